// A cdktf App whose synth needs nothing but Node: no `terraform` on PATH, no network.
//
// cdktf 0.21 adds a ValidateTerraformVersion to every DataResource (terraform_data), to
// resources with an import block, to cloud backends and to stacks with resource moves;
// each one runs `terraform version` while the App synthesizes, and a missing binary
// fails the synth with a stack trace. The only way the cdktf API offers to keep it from
// running is the App's public `skipValidation` option, which also skips every other
// validation. So this App sets it, and runs the validations that do not probe a binary
// itself, before writing anything:
//  - cdktf's provider-presence check of every stack (every resource's provider is declared);
//  - every validation added to this project's own constructs (anything that is not a
//    cdktf TerraformElement or stack, so none of cdktf's version probes).
// The Terraform version is checked where Terraform runs: `npm run plan` and `npm run apply`.
import { App, AppConfig, TerraformElement, TerraformStack } from 'cdktf';
import { ValidateProviderPresence } from 'cdktf/lib/validations';

export class SynthValidationError extends Error {}

export class HermeticApp extends App {
  constructor(config: Omit<AppConfig, 'skipValidation'> = {}) {
    super({ ...config, skipValidation: true });
  }

  override synth(): void {
    const errors = validationErrors(this);
    if (errors.length) throw new SynthValidationError(`synth refused:\n  ${errors.join('\n  ')}`);
    super.synth();
  }
}

/** The problems `cdktf` would report, minus its `terraform version` probes. */
export function validationErrors(app: App): string[] {
  const errors: string[] = [];
  for (const c of app.node.findAll()) {
    if (TerraformStack.isStack(c)) {
      for (const e of new ValidateProviderPresence(c).validate()) errors.push(`[${c.node.path}] ${e}`);
    } else if (c !== app && !TerraformElement.isTerraformElement(c)) {
      for (const e of c.node.validate()) errors.push(`[${c.node.path}] ${e}`);
    }
  }
  return errors;
}
