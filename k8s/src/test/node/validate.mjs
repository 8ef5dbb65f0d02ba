// Validates every object of the given multi-document YAML files against its JSON schema: Kubernetes' own
// (kubernetes-models) and the CRDs' (Strimzi, KEDA, Prometheus Operator), all shipped in npm packages, so nothing
// is fetched. An object whose apiVersion/kind has no schema here is an error too.
// Prints one JSON object: {"checked": N, "errors": [{"file", "kind", "name", "error"}]}.
import { readFileSync } from 'node:fs';
import YAML from 'yaml';

const CRD_PACKAGES = {
  'kafka.strimzi.io': '@kubernetes-models/strimzi-kafka-operator/kafka.strimzi.io',
  'keda.sh': '@kubernetes-models/keda/keda.sh',
  'monitoring.coreos.com': '@kubernetes-models/prometheus-operator/monitoring.coreos.com',
};

function modulePath(apiVersion) {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  if (CRD_PACKAGES[group]) return `${CRD_PACKAGES[group]}/${version}`;
  return group ? `kubernetes-models/${group}/${version}` : `kubernetes-models/${version}`;
}

let checked = 0;
const errors = [];
for (const file of process.argv.slice(2)) {
  const docs = YAML.parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJS()).filter(Boolean);
  for (const obj of docs) {
    checked += 1;
    const where = { file, kind: obj.kind, name: obj.metadata?.name };
    let model;
    try {
      model = (await import(modulePath(String(obj.apiVersion))))[obj.kind];
    } catch (e) {
      model = undefined;
    }
    if (!model) {
      errors.push({ ...where, error: `no schema for ${obj.apiVersion} ${obj.kind}` });
      continue;
    }
    try {
      new model(obj).validate();
    } catch (e) {
      errors.push({ ...where, error: e.message });
    }
  }
}
console.log(JSON.stringify({ checked, errors }));
