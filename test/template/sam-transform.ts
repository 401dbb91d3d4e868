// template.yaml after the SAM transform, as CloudFormation would receive it, produced offline by
// local/sam_transform.py (the SAM translator that cfn-lint ships). Fails loudly if Python or cfn-lint is
// missing: the template tests never skip.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot, type Template } from '../../local/template.js';

let cached: Template | undefined;

export function transformedTemplate(): Template {
  if (cached) return cached;
  const result = spawnSync('python3', [join('local', 'sam_transform.py'), 'template.yaml'], {
    cwd: projectRoot,
    encoding: 'utf8',
    maxBuffer: 32 * 1024 * 1024,
    timeout: 60_000,
  });
  if (result.error || result.status !== 0) {
    throw new Error(
      'the offline SAM transform failed (it needs python3 with cfn-lint: `pip install cfn-lint`):\n' +
        `${result.error?.message ?? ''}${result.stderr}`,
    );
  }
  cached = JSON.parse(result.stdout) as Template;
  return cached;
}
