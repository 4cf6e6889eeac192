import type { IPolicyValidationContext, IPolicyValidationPlugin, PolicyValidationPluginReport } from 'aws-cdk-lib';

export interface GovhookPluginProps {
  /** The policy file (default: policies/default.policy.yaml, relative to where `cdk synth` runs). */
  readonly policy?: string;
  /** The govhook command (default: $GOVHOOK, else `govhook` on the PATH). */
  readonly command?: string;
  /** Extra arguments for `govhook check` (e.g. ['--aws']). */
  readonly extraArgs?: string[];
}

/** The same plugin as govhook's Python one: rule ids, messages, fixes, property paths and severities. */
export declare class GovhookPlugin implements IPolicyValidationPlugin {
  readonly name: string;
  readonly version: string;
  readonly ruleIds?: string[];
  constructor(props?: GovhookPluginProps);
  validate(context: IPolicyValidationContext): PolicyValidationPluginReport;
}

/** Map govhook's JSON report (schema_version 1) to a CDK plugin report. */
export declare function toReport(doc: unknown): PolicyValidationPluginReport;
