'use strict';
// govhook for TypeScript/JavaScript CDK apps: `Validations.of(app).addPlugins(new GovhookPlugin())`.
// It runs `govhook check --format json` on the templates CDK hands it (govhook reads each one with
// its cloud assembly's manifest: stack name, environment, nested stacks, construct paths and
// `govhook::` acknowledgements) and maps the report exactly as the Python plugin does:
//   rule id -> ruleName, message -> description, remediation -> fix, property path -> locations;
//   blocking -> 'error' when the policy would accept an exemption request for it, else 'fatal'
//   (CDK's acknowledge cannot hide a fatal violation); warning -> 'warning'; exempted -> 'info'.
// success is false exactly when govhook would block the deployment. No jsii build: CDK's plugin
// interface is structural, so a plain object with name/version/validate is a plugin.
const { spawnSync } = require('child_process');
const path = require('path');

const PLUGIN_NAME = 'govhook';
const VERSION = require('./package.json').version;

function severity(finding) {
  if (finding.disposition === 'exempted') return 'info';
  if (finding.disposition === 'warning') return 'warning';
  return finding.outcome === 'FAIL' && finding.suppressible ? 'error' : 'fatal';
}

function location(finding) {
  const p = finding.path || '';
  if (finding.level === 'resource') return p.startsWith('/') ? 'Properties' + p : 'Properties';
  const parts = p.split('/');
  if (parts.length > 3 && parts[1] === 'Resources') return parts.slice(3).join('/');
  return p.replace(/^\/+/, '');
}

function toReport(doc) {
  const violations = [];
  for (const f of doc.findings || []) {
    if (!['blocking', 'warning', 'exempted'].includes(f.disposition)) continue;
    let description = f.message;
    if (f.exemption) description += ` [exempted by ${f.exemption.id}: ${f.exemption.reason}]`;
    else if (f.downgraded_by) description += ` [not blocking: ${f.downgraded_by}]`;
    const ruleMetadata = { disposition: f.disposition, severity: f.severity, stack: f.stack_name || '' };
    if (f.construct_path) ruleMetadata.construct_path = f.construct_path;
    if (f.remediation_url) ruleMetadata.see = f.remediation_url;
    const loc = location(f);
    const resource = { locations: loc ? [loc] : [], templatePath: f.file ? path.resolve(f.file) : '' };
    if (f.logical_id) resource.resourceLogicalId = f.logical_id;
    violations.push({
      ruleName: f.rule_id,
      description,
      fix: f.remediation || f.remediation_url || '',
      severity: severity(f),
      ruleMetadata,
      violatingResources: [resource],
    });
  }
  const metadata = {};
  for (const [k, v] of Object.entries(doc.summary || {})) metadata[k] = String(v);
  metadata.notes = (doc.notes || []).join(' | ').slice(0, 4000);
  return { success: !doc.blocking, violations, pluginVersion: VERSION, metadata };
}

class GovhookPlugin {
  constructor(props = {}) {
    this.name = PLUGIN_NAME;
    this.version = VERSION;
    this.policy = path.resolve(props.policy || path.join('policies', 'default.policy.yaml'));
    this.command = props.command || process.env.GOVHOOK || 'govhook';
    this.extraArgs = props.extraArgs || [];
  }

  validate(context) {
    const args = ['check', '--format', 'json', '--policy', this.policy, ...this.extraArgs, ...context.templatePaths];
    const run = spawnSync(this.command, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    if (run.error) throw new Error(`govhook could not be run (${this.command}): ${run.error.message}`);
    // 0: nothing blocks, 1: blocked (the report says what); 2: bad input, one line on stderr.
    if (run.status !== 0 && run.status !== 1) {
      throw new Error(`govhook check failed (exit ${run.status}): ${(run.stderr || '').trim()}`);
    }
    return toReport(JSON.parse(run.stdout));
  }
}

module.exports = { GovhookPlugin, toReport, PLUGIN_NAME };
