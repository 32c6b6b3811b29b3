import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Service } from 'kubernetes-models/v1';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, parseDocument } from 'yaml';
import { loadConfig } from '../src/config.js';
import { createTestApp, type TestApp } from './helpers/testApp.js';

/*
 * What can be checked here about the deployment files without Docker or a cluster (docs/deploy.md
 * says what cannot): every YAML parses strictly; the Dockerfile, compose.yaml and the Kubernetes
 * manifests agree with the server on ports, probe paths, image name and the environment variables
 * it reads (loadConfig accepts their values); labels and selectors line up. The Kubernetes
 * objects are checked against structural JSON schemas of the fields that matter, not the full
 * upstream schemas (not available offline here).
 */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DEPLOY = path.join(ROOT, 'deploy');
const read = (file: string): string => readFileSync(path.join(ROOT, file), 'utf8');
const VERSION = (JSON.parse(read('package.json')) as { version: string }).version;
const IMAGE = `keyra:${VERSION}`;
const SECRET_HEX = 'ab'.repeat(32);
const ajv = new Ajv({ allErrors: true, strict: false });

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed YAML of many shapes
type Yaml = any;

/** Parses YAML strictly: duplicate keys, bad indentation or tabs fail the test. */
function parseYaml(file: string): Yaml[] {
  const docs = parseAllDocuments(read(file), { uniqueKeys: true, merge: true, prettyErrors: true });
  const list = Array.isArray(docs) ? docs : [docs];
  for (const doc of list) {
    expect(doc.errors.map(String), file).toEqual([]);
    expect(doc.warnings.map(String), file).toEqual([]);
  }
  return list.map((doc) => doc.toJS({ maxAliasCount: 100 }) as Yaml);
}

/** The `KEYRA_*` variables the server's source reads. */
function serverEnvNames(): Set<string> {
  const names = new Set<string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts'))
        for (const [name] of readFileSync(full, 'utf8').matchAll(/\bKEYRA_[A-Z0-9_]*[A-Z0-9]\b/g))
          names.add(name);
    }
  };
  walk(path.join(ROOT, 'packages', 'server', 'src'));
  return names;
}

function validate(schema: object, value: unknown, what: string): void {
  const check = ajv.compile(schema);
  expect(check(value) ? [] : check.errors, what).toEqual([]);
}

const ENV_NAMES = serverEnvNames();
const K8S_FILES = readdirSync(path.join(DEPLOY, 'k8s')).filter((f) => f.endsWith('.yaml'));
const k8s: Yaml[] = K8S_FILES.filter((f) => f !== 'kustomization.yaml').flatMap((f) =>
  parseYaml(`deploy/k8s/${f}`),
);
const byKind = (kind: string): Yaml => {
  const found = k8s.filter((doc) => doc.kind === kind);
  expect(found, kind).toHaveLength(1);
  return found[0];
};

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t.close());

describe('the Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const lines = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const stages = lines.filter((l) => l.startsWith('FROM '));
  const runtime = lines.slice(lines.findIndex((l) => l === 'FROM ${NODE_IMAGE} AS runtime'));

  it('builds in stages from one pinned Node 20 image, never `latest`', () => {
    expect(stages).toEqual([
      'FROM ${NODE_IMAGE} AS build',
      'FROM ${NODE_IMAGE} AS install',
      'FROM ${NODE_IMAGE} AS runtime',
    ]);
    expect(lines).toContain('ARG NODE_IMAGE=node:20.20.2-bookworm-slim');
    expect(dockerfile).not.toMatch(/:latest\b/);
  });

  it('runs as a non-root user with a health check on /healthz at the server port', () => {
    const user = runtime.filter((l) => l.startsWith('USER '));
    expect(user).toHaveLength(1);
    const [uid] = user[0]!.slice('USER '.length).split(':');
    expect(Number(uid)).toBeGreaterThan(0);
    const health = runtime.find((l) => l.startsWith('HEALTHCHECK '));
    expect(health).toContain('/healthz');
    expect(runtime).toContain(`EXPOSE ${loadConfig({}, {}).port}`);
    // The runtime stage installs the voice tools and no compilers.
    const apt = runtime.find((l) => l.includes('apt-get install'))!;
    for (const pkg of ['ffmpeg', 'libpocketsphinx3', 'libsphinxbase3', 'pocketsphinx-en-us'])
      expect(apt).toContain(pkg);
    expect(apt).not.toMatch(/\bg\+\+|\bmake\b/);
  });

  it('sets only variables the server reads, with values it accepts', () => {
    const env: Record<string, string> = {};
    for (const line of runtime.filter((l) => l.startsWith('ENV ')))
      for (const [, name, value] of line.matchAll(/(\w+)=(\S+)/g)) env[name!] = value!;
    const keyra = Object.keys(env).filter((n) => n.startsWith('KEYRA_'));
    expect(keyra.length).toBeGreaterThan(3);
    for (const name of keyra) expect(ENV_NAMES.has(name), name).toBe(true);
    const config = loadConfig({}, env);
    expect([config.host, config.dataDir, config.databaseUrl]).toEqual([
      '0.0.0.0',
      '/var/lib/keyra',
      'sqlite:/var/lib/keyra/keyra.db',
    ]);
  });
});

describe('deploy/compose.yaml', () => {
  const [compose] = parseYaml('deploy/compose.yaml');
  const services = compose.services as Record<string, Yaml>;
  const instances = ['keyra-1', 'keyra-2', 'keyra-3'];

  it('has three KEYRA instances, a proxy, PostgreSQL, Redis and a one-shot migration', () => {
    expect(Object.keys(services).sort()).toEqual(
      ['migrate', 'postgres', 'proxy', 'redis', ...instances].sort(),
    );
    validate(
      {
        type: 'object',
        required: ['image', 'read_only', 'user', 'tmpfs', 'environment', 'depends_on'],
        properties: {
          image: { const: IMAGE },
          read_only: { const: true },
          user: { type: 'string', pattern: '^[1-9][0-9]*:[1-9][0-9]*$' },
          tmpfs: { type: 'array', contains: { const: '/tmp' } },
        },
      },
      services.migrate,
      'migrate',
    );
    expect(services.migrate.command).toEqual(['migrate']);
    expect(services.migrate.restart).toBe('no');
    for (const name of instances) {
      const service = services[name];
      expect(service.image, name).toBe(IMAGE);
      expect(service.read_only, name).toBe(true);
      expect(service.depends_on.migrate, name).toEqual({
        condition: 'service_completed_successfully',
      });
      expect(service.healthcheck.test.join(' '), name).toContain('/readyz');
    }
  });

  it('pins every image and never uses `latest`', () => {
    for (const [name, service] of Object.entries(services)) {
      expect(service.image, name).toMatch(/^[a-z0-9./-]+:[0-9][\w.-]*$/);
    }
  });

  it('sets only variables the server reads, with values it accepts', () => {
    const env = services['keyra-1'].environment as Record<string, string>;
    for (const name of Object.keys(env)) expect(ENV_NAMES.has(name), name).toBe(true);
    // Compose substitutes ${VAR:?…} from the shell; stand in plausible values.
    const substituted = Object.fromEntries(
      Object.entries(env).map(([k, v]) => [
        k,
        v
          .replace(/\$\{POSTGRES_PASSWORD[^}]*\}/g, 'pw')
          .replace(/\$\{KEYRA_SECRET[^}]*\}/g, SECRET_HEX)
          .replace(/\$\{KEYRA_PUBLIC_URL:-([^}]*)\}/g, '$1'),
      ]),
    );
    const config = loadConfig({}, substituted);
    expect(config.databaseUrl).toBe('postgres://keyra:pw@postgres:5432/keyra');
    expect(config.redisUrl).toBe('redis://redis:6379');
    expect(config.trustProxy).toBe(true);
  });

  it('routes the proxy to the three instances on the server port', () => {
    const conf = read('deploy/nginx/keyra.conf');
    const port = loadConfig({}, {}).port;
    expect(
      [...conf.matchAll(/^\s*server (\S+?)(?::(\d+))? /gm)].map((m) => `${m[1]}:${m[2]}`),
    ).toEqual(instances.map((name) => `${name}:${port}`));
    expect(services.proxy.volumes).toContain(
      './nginx/keyra.conf:/etc/nginx/conf.d/default.conf:ro',
    );
  });
});

describe('deploy/k8s', () => {
  const deployment = byKind('Deployment');
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];

  it('lists every manifest in kustomization.yaml', () => {
    const [kustomization] = parseYaml('deploy/k8s/kustomization.yaml');
    expect([...kustomization.resources].sort()).toEqual(
      K8S_FILES.filter((f) => f !== 'kustomization.yaml').sort(),
    );
    for (const doc of k8s) {
      validate(
        {
          type: 'object',
          required: ['apiVersion', 'kind', 'metadata'],
          properties: {
            metadata: {
              type: 'object',
              required: ['name'],
              properties: { name: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' } },
            },
          },
        },
        doc,
        `${doc.kind}`,
      );
    }
  });

  it('validates every object against the Kubernetes API schemas (kubernetes-models)', () => {
    // The upstream OpenAPI schemas, compiled by kubernetes-models: each object's fields, types
    // and required members, as `kubectl apply --validate=strict` would check them.
    const MODELS: Record<string, new (data: Yaml) => { validate(): void }> = {
      'v1/ConfigMap': ConfigMap,
      'v1/Service': Service,
      'apps/v1/Deployment': Deployment,
      'batch/v1/Job': Job,
      'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
    };
    for (const doc of k8s) {
      const Model = MODELS[`${doc.apiVersion}/${doc.kind}`];
      expect(Model, `a schema for ${doc.apiVersion} ${doc.kind}`).toBeDefined();
      expect(() => new Model!(doc).validate(), `${doc.kind} ${doc.metadata.name}`).not.toThrow();
    }
    // The check bites: a wrongly typed field fails it.
    const broken = structuredClone(byKind('Deployment'));
    broken.spec.replicas = 'three';
    expect(() => new Deployment(broken).validate()).toThrow();
  });

  it('runs three non-root replicas on a read-only root file system', () => {
    validate(
      {
        type: 'object',
        required: ['apiVersion', 'spec'],
        properties: {
          apiVersion: { const: 'apps/v1' },
          spec: {
            type: 'object',
            required: ['replicas', 'selector', 'template'],
            properties: { replicas: { const: 3 } },
          },
        },
      },
      deployment,
      'Deployment',
    );
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true });
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
    expect(container.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
    });
    expect(container.image).toBe(IMAGE);
    const mounts = (container.volumeMounts as { mountPath: string }[]).map((m) => m.mountPath);
    expect(mounts).toEqual(expect.arrayContaining(['/tmp', '/var/lib/keyra']));
  });

  it('probes /healthz (liveness) and /readyz (readiness) on the port the server listens on', async () => {
    const configMap = byKind('ConfigMap');
    const port = loadConfig({}, configMap.data).port;
    expect(container.ports).toEqual([{ name: 'http', containerPort: port, protocol: 'TCP' }]);
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(container.startupProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    for (const url of ['/healthz', '/readyz']) {
      expect((await t.app.inject(url)).statusCode, url).toBe(200);
    }
  });

  it('reads only variables the server knows, from the ConfigMap and the `keyra` Secret', () => {
    const configMap = byKind('ConfigMap');
    const job = byKind('Job').spec.template.spec.containers[0];
    const names = [
      ...Object.keys(configMap.data),
      ...(container.env as { name: string }[]).map((e) => e.name),
      ...(job.env as { name: string }[]).map((e) => e.name),
    ];
    for (const name of names) expect(ENV_NAMES.has(name), name).toBe(true);
    for (const ref of container.envFrom)
      expect(ref.configMapRef.name).toBe(configMap.metadata.name);
    const secretRefs = [...container.env, ...job.env].map(
      (e: Yaml) => e.valueFrom.secretKeyRef as { name: string; key: string },
    );
    for (const ref of secretRefs) expect(ref.name).toBe('keyra');
    expect(secretRefs.map((r) => r.key).sort()).toEqual(
      ['KEYRA_DATABASE_URL', 'KEYRA_DATABASE_URL', 'KEYRA_REDIS_URL', 'KEYRA_SECRET'].sort(),
    );
    // The ConfigMap plus plausible Secret values make a configuration the server accepts.
    const config = loadConfig(
      {},
      {
        ...configMap.data,
        KEYRA_DATABASE_URL: 'postgres://keyra:pw@postgres:5432/keyra',
        KEYRA_REDIS_URL: 'redis://redis:6379',
        KEYRA_SECRET: SECRET_HEX,
      },
    );
    expect(config.host).toBe('0.0.0.0');
  });

  it('migrates with a Job on the same image, non-root and read-only', () => {
    const job = byKind('Job');
    validate(
      {
        type: 'object',
        properties: {
          apiVersion: { const: 'batch/v1' },
          spec: {
            type: 'object',
            required: ['template'],
            properties: { backoffLimit: { type: 'integer', minimum: 1 } },
          },
        },
      },
      job,
      'Job',
    );
    const spec = job.spec.template.spec;
    expect(spec.restartPolicy).toBe('OnFailure');
    expect(spec.securityContext.runAsNonRoot).toBe(true);
    expect(spec.containers[0].image).toBe(IMAGE);
    expect(spec.containers[0].args).toEqual(['migrate']);
    expect(spec.containers[0].securityContext.readOnlyRootFilesystem).toBe(true);
  });

  it('selects the Deployment’s pods from the Service and the PodDisruptionBudget', () => {
    const labels = deployment.spec.template.metadata.labels as Record<string, string>;
    const matches = (selector: Record<string, string>): boolean =>
      Object.entries(selector).every(([k, v]) => labels[k] === v);
    expect(matches(deployment.spec.selector.matchLabels)).toBe(true);
    const pdb = byKind('PodDisruptionBudget');
    expect(pdb.apiVersion).toBe('policy/v1');
    expect(pdb.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
    expect(pdb.spec.maxUnavailable).toBe(1);
    const service = byKind('Service');
    expect(matches(service.spec.selector)).toBe(true);
    expect(service.spec.ports[0].targetPort).toBe('http');
    // The migration Job's pods must not count as servers.
    const jobLabels = byKind('Job').spec.template.metadata.labels as Record<string, string>;
    expect(Object.entries(service.spec.selector).every(([k, v]) => jobLabels[k] === v)).toBe(false);
  });
});

describe('every YAML file under deploy/', () => {
  it('parses strictly (no duplicate keys, no tabs)', () => {
    const files = readdirSync(DEPLOY, { recursive: true, encoding: 'utf8' }).filter((f) =>
      /\.ya?ml$/.test(f),
    );
    expect(files.length).toBeGreaterThanOrEqual(7);
    for (const file of files) {
      const text = read(`deploy/${file}`);
      expect(text, file).not.toMatch(/\t/);
      const doc = parseDocument(text, { uniqueKeys: true, merge: true });
      expect(doc.errors.map(String), file).toEqual([]);
    }
  });
});
