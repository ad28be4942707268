// berth command-line entry point.
console.log('berth: not yet');
