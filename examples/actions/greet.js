// greet: a Node.js action (openwhisk/action-nodejs-v20) that answers through a Promise.
exports.main = function (args) {
  const name = args.name || 'world'
  console.log(`hello, ${name} (activation ${args.n})`)
  return new Promise(resolve => setTimeout(() => resolve({ greeting: `hello, ${name}` }), 10))
}
