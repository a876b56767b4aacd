import { DEVCONTAINER_PATHS, parseDevcontainer, type DevcontainerResult } from '../../core/devcontainer';
import { setupDefinitionHash } from '../../core/setup-plan';
import { shellQuote } from '../../core/shell';
import { VM_WORKSPACE_PATH, type VmClient } from '../../core/vm';

// What a clone says about its setup, read the same way by a workspace's room and by the prebuild
// builder, so both compute the same setup definition hash (docs/setup.md).

/** The devcontainer.json of the clone, the first of the spec's paths that exists; null without one. */
export async function readDevcontainer(
  vm: VmClient,
  vmId: string,
): Promise<{ path: string; text: string } | null> {
  const tries = DEVCONTAINER_PATHS.map(
    (p) =>
      `if [ -f ${shellQuote(p)} ]; then echo ${shellQuote(p)}; head -c 262144 ${shellQuote(p)}; exit 0; fi`,
  );
  const r = await vm.exec(vmId, {
    command: [`cd ${shellQuote(VM_WORKSPACE_PATH)} || exit 1`, ...tries, 'exit 3'].join('\n'),
    timeoutMs: 30_000,
  });
  if (r.statusCode !== 0) return null;
  const out = r.stdout ?? '';
  const nl = out.indexOf('\n');
  return { path: out.slice(0, nl), text: out.slice(nl + 1) };
}

export interface SetupDefinition {
  dc: DevcontainerResult;
  /** SHA-256 of the devcontainer file and the repository's setup command. */
  hash: string;
}

/** The clone's devcontainer.json, parsed, and the setup definition's hash. */
export async function readDefinition(
  vm: VmClient,
  vmId: string,
  setupCommand: string | null,
): Promise<SetupDefinition> {
  const file = await readDevcontainer(vm, vmId);
  return {
    dc: parseDevcontainer(file?.text ?? null, file?.path),
    hash: await setupDefinitionHash(file?.text ?? null, setupCommand),
  };
}
