// What goes on the error stream (channel 3) when a remote command ends. v4 and v5 carry a
// metav1.Status that kubectl turns into its own exit code; v1-v3 carry only a failure's text.

export type Outcome = { exitCode: number } | { error: string };

/** 1..5 from a negotiated protocol name ('' and channel.k8s.io are v1). */
export function protocolVersion(protocol: string): number {
  const m = /^(?:base64\.)?(?:v(\d)\.)?channel\.k8s\.io$/.exec(protocol);
  return m?.[1] ? Number(m[1]) : 1;
}

function statusOf(outcome: Outcome, command: string[]): Record<string, unknown> {
  if ('exitCode' in outcome) {
    if (outcome.exitCode === 0) return { metadata: {}, status: 'Success' };
    return {
      metadata: {},
      status: 'Failure',
      message: `command terminated with non-zero exit code: command ${JSON.stringify(command.join(' '))} exited with ${outcome.exitCode}`,
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: String(outcome.exitCode) }] },
    };
  }
  const message = `Internal error occurred: ${outcome.error}`;
  return { metadata: {}, status: 'Failure', message, reason: 'InternalError', details: { causes: [{ message: outcome.error }] }, code: 500 };
}

/** The error-stream payload for `version`; undefined means "send nothing" (v1-v3 success). */
export function statusPayload(version: number, outcome: Outcome, command: string[] = []): Buffer | undefined {
  const status = statusOf(outcome, command);
  if (version >= 4) return Buffer.from(JSON.stringify(status));
  if (status['status'] === 'Success') return undefined;
  return Buffer.from(String(status['message']));
}
