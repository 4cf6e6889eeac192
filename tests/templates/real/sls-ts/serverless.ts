// A Serverless Framework service written in TypeScript: govhook asks for `serverless print` first.
const config = { service: "orders-ts", provider: { name: "aws", runtime: "nodejs16.x" } };
module.exports = config;
