import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse, parseDocument } from 'yaml';

/**
 * The deployment files cannot be exercised here (no Docker daemon, no GitHub runner, no Azure),
 * so they are parsed and checked for the properties the deployment relies on.
 */
const root = fileURLToPath(new URL('..', import.meta.url));
const read = (file: string) => readFileSync(`${root}${file}`, 'utf8');

const WORKFLOW_FILE = '.github/workflows/azure-webapp.yml';
/** The one command that packs the release (src/cli/commands/release.ts). */
const RELEASE = 'node dist/cli/main.js release --out release.zip';
/** Inputs of azure/webapps-deploy@v3 as its action.yml documents them. */
const WEBAPPS_DEPLOY_INPUTS = new Set([
  'app-name',
  'publish-profile',
  'package',
  'slot-name',
  'startup-command',
  'images',
  'resource-group-name',
  'configuration-file',
  'clean',
  'restart',
  'type',
  'target-path',
]);

/** A GitHub Actions expression as it is written in the workflow. */
const expression = (inner: string) => `\${{ ${inner} }}`;

type Step = { id?: string; name?: string; uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, unknown> };
type Job = { 'runs-on'?: string; needs?: string | string[]; environment?: { name?: string; url?: string } | string; steps: Step[] };
type Workflow = { name?: string; on: Record<string, unknown>; jobs: Record<string, Job> };

function loadWorkflow(): Workflow {
  return parse(read(WORKFLOW_FILE)) as Workflow;
}

/** Every string value anywhere in a parsed YAML tree (keys excluded). */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

function runs(job: Job): string {
  return job.steps.map((step) => step.run ?? '').join('\n');
}

function stepUsing(job: Job, action: string): Step | undefined {
  return job.steps.find((step) => step.uses?.split('@')[0]?.toLowerCase() === action);
}

interface Instruction {
  keyword: string;
  args: string;
}

/** Dockerfile instructions: comments dropped, `\` continuations joined, keywords upper-cased. */
function parseDockerfile(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let pending = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    const full = `${pending}${line}`.trim();
    pending = '';
    const match = /^(\S+)\s*(.*)$/.exec(full);
    if (match?.[1]) instructions.push({ keyword: match[1].toUpperCase(), args: match[2] ?? '' });
  }
  if (pending.trim() !== '') throw new Error('Dockerfile ends inside a line continuation');
  return instructions;
}

/** Splits the instructions into stages, one per FROM. */
function stages(instructions: Instruction[]): Instruction[][] {
  const out: Instruction[][] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') out.push([instruction]);
    else out.at(-1)?.push(instruction);
  }
  return out;
}

/** The command of a JSON-form CMD as one shell-like string. */
function execForm(args: string): string[] {
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((part) => typeof part === 'string')) throw new Error(`not an exec-form array: ${args}`);
  return parsed;
}

/** The README's Azure section, from its heading to the next level-2 heading. */
function azureSection(readme: string): string {
  const start = readme.indexOf('\n## Deploying to Azure App Service\n');
  expect(start, 'README has a "## Deploying to Azure App Service" section').toBeGreaterThan(-1);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end === -1 ? undefined : end);
}

describe(`${WORKFLOW_FILE}`, () => {
  it('is valid YAML', () => {
    const doc = parseDocument(read(WORKFLOW_FILE));
    expect(doc.errors).toEqual([]);
    expect(doc.warnings).toEqual([]);
    const workflow = loadWorkflow();
    expect(Object.keys(workflow.jobs)).toEqual(expect.arrayContaining(['build', 'deploy']));
  });

  it('runs on pushes to main and by hand', () => {
    const { on } = loadWorkflow();
    expect(Object.keys(on)).toEqual(expect.arrayContaining(['push', 'workflow_dispatch']));
    expect((on.push as { branches?: string[] }).branches).toEqual(['main']);
  });

  it('builds on Node 22 with the npm cache, tests, compiles, builds the artefacts, prunes dev dependencies, then packs the release', () => {
    const { build } = loadWorkflow().jobs;
    if (!build) throw new Error('no build job');
    expect(build['runs-on']).toBe('ubuntu-latest');
    const setupNode = stepUsing(build, 'actions/setup-node');
    expect(setupNode?.uses).toBe('actions/setup-node@v4');
    expect(String(setupNode?.with?.['node-version'])).toMatch(/^22(\.|$)/);
    expect(setupNode?.with?.cache).toBe('npm');
    const script = runs(build);
    const order = [
      'npm ci',
      'npm test',
      'npm run build',
      'node dist/cli/main.js data download --dataset ml-100k',
      'node dist/cli/main.js build',
      'npm prune --omit=dev',
      RELEASE,
    ].map((command) => {
      const at = script.indexOf(command);
      expect(at, `build job runs \`${command}\``).toBeGreaterThan(-1);
      return at;
    });
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });

  it('packs the release with `reelrec release` only (its allowlist keeps MovieLens rows out), and hands it to the deploy job', () => {
    const { build, deploy } = loadWorkflow().jobs;
    if (!build || !deploy) throw new Error('missing job');
    const lines = runs(build)
      .split('\n')
      .map((line) => line.trim());
    expect(lines).toContain(RELEASE);
    // A hand-written zip/tar of folders is what once shipped data/artifacts/*/samples.csv.
    for (const line of lines) expect(line, line).not.toMatch(/^(zip|tar|7z)\s/);
    expect(strings(build).join('\n')).not.toMatch(/data\/(artifacts|movielens)\b/);
    const upload = stepUsing(build, 'actions/upload-artifact');
    const download = stepUsing(deploy, 'actions/download-artifact');
    expect(upload?.uses).toBe('actions/upload-artifact@v4');
    expect(download?.uses).toBe('actions/download-artifact@v4');
    expect(download?.with?.name).toBe(upload?.with?.name);
    expect(upload?.with?.path).toBe('release.zip');
  });

  it('deploys with azure/webapps-deploy@v3 and only its documented inputs', () => {
    const { deploy } = loadWorkflow().jobs;
    if (!deploy) throw new Error('no deploy job');
    expect(deploy.needs === 'build' || (Array.isArray(deploy.needs) && deploy.needs.includes('build'))).toBe(true);
    const step = stepUsing(deploy, 'azure/webapps-deploy');
    expect(step?.uses).toBe('azure/webapps-deploy@v3');
    const inputs = step?.with ?? {};
    for (const key of Object.keys(inputs)) expect(WEBAPPS_DEPLOY_INPUTS.has(key), `undocumented input ${key}`).toBe(true);
    expect(inputs['app-name']).toBe(expression('vars.AZURE_WEBAPP_NAME'));
    expect(inputs['publish-profile']).toBe(expression('secrets.AZURE_WEBAPP_PUBLISH_PROFILE'));
    expect(inputs.package).toBe('release.zip');
    // The action ignores startup-command with publish-profile auth; the README sets it on the app instead.
    expect(inputs).not.toHaveProperty('startup-command');
    expect(deploy.environment).toEqual({ name: 'production', url: expression(`steps.${step?.id}.outputs.webapp-url`) });
  });

  it('reads secrets only through GitHub `secrets.*` expressions', () => {
    const values = strings(loadWorkflow());
    const withSecrets = values.filter((value) => /secrets\./i.test(value));
    expect(withSecrets.length).toBeGreaterThan(0);
    for (const value of withSecrets) {
      expect(value.replace(/\$\{\{\s*secrets\.[A-Za-z_][A-Za-z0-9_]*\s*\}\}/g, ''), value).not.toMatch(/secrets\./i);
    }
    for (const value of values) {
      expect(value).not.toMatch(/<publishData|AccountKey=|userPWD=|DISCORD_TOKEN\s*[:=]\s*\S/i);
    }
  });
});

describe('Dockerfile', () => {
  const instructions = parseDockerfile(read('Dockerfile'));
  const all = stages(instructions);
  const final = all.at(-1) ?? [];
  const finalOf = (keyword: string) => final.filter((instruction) => instruction.keyword === keyword);
  const cmd = execForm(finalOf('CMD').at(-1)?.args ?? 'null');

  it('has at least two node:22 slim stages, the last one the runtime', () => {
    const bases = all.map((stage) => stage[0]?.args.split(/\s+/)[0] ?? '');
    expect(all.length).toBeGreaterThanOrEqual(2);
    for (const base of bases) expect(base).toMatch(/^node:22[\w.-]*-slim$/);
    expect(all.map((stage) => stage[0]?.args)).toEqual(expect.arrayContaining([expect.stringMatching(/\bAS build$/i)]));
  });

  it('installs with npm ci and keeps production dependencies only', () => {
    const run = instructions.filter((instruction) => instruction.keyword === 'RUN').map((instruction) => instruction.args);
    expect(run.some((args) => /\bnpm ci\b/.test(args))).toBe(true);
    expect(run.some((args) => /\bnpm prune\b.*--omit=dev/.test(args))).toBe(true);
    expect(finalOf('COPY').some((copy) => /--from=build\b.*node_modules/.test(copy.args))).toBe(true);
  });

  it('runs the final stage as a non-root user', () => {
    const user = finalOf('USER').at(-1)?.args.trim();
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^(root|0)(:|$)/);
  });

  it('exposes the port it sets and checks /healthz with node', () => {
    const ports = finalOf('EXPOSE').flatMap((expose) => expose.args.split(/\s+/));
    expect(ports.length).toBeGreaterThan(0);
    const env = finalOf('ENV')
      .map((instruction) => instruction.args)
      .join(' ');
    const port = /\bPORT=(\d+)/.exec(env)?.[1];
    expect(ports).toContain(port);
    const healthcheck = finalOf('HEALTHCHECK').at(-1)?.args ?? '';
    expect(healthcheck).toContain('/healthz');
    expect(healthcheck).toMatch(/CMD \[?"?node\b/);
    expect(healthcheck).not.toMatch(/\b(curl|wget)\b/);
  });

  it('starts the server from dist/cli/main.js without building', () => {
    expect(cmd).toEqual(['node', 'dist/cli/main.js', 'start', '--no-build']);
  });

  it('has a .dockerignore that keeps node_modules, data and .env out', () => {
    const patterns = read('.dockerignore')
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'));
    for (const pattern of ['node_modules', 'data', '.env', 'dist', '.git']) expect(patterns).toContain(pattern);
  });

  it('matches the README: the same startup command and the /healthz health check', () => {
    const section = azureSection(read('README.md'));
    const startup = cmd.join(' ');
    expect(section).toContain('/healthz');
    expect(section).toContain(`\`${startup}\``);
    expect(section).toContain(`--startup-file "${startup}"`);
    expect(section).toContain('"healthCheckPath": "/healthz"');
    const readme = read('README.md');
    expect(readme.indexOf('## Deploying to Azure App Service')).toBeLessThan(readme.indexOf('## Development'));
  });

  it('matches the README and package.json on the Node version: 22 LTS everywhere the platform is named', () => {
    const section = azureSection(read('README.md'));
    const runtimes = section.match(/NODE[:|]\d+-lts/g) ?? [];
    expect(runtimes.length).toBeGreaterThan(0);
    expect(runtimes.filter((runtime) => !runtime.endsWith('22-lts'))).toEqual([]);
    expect(section).toContain('`reelrec release');
    const pkg = JSON.parse(read('package.json')) as { engines?: { node?: string } };
    expect(pkg.engines?.node).toBe('>=22');
  });
});
