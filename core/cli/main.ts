console.log('tensorweave cli', process.argv.slice(2));
