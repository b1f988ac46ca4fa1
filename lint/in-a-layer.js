// layers/in-a-layer: every file under src/ belongs to a layer of lint/import-layers.js, so a new
// folder or top-level file gets its place in the import order before it can import anything.

import { LAYER_ORDER, layerOf, repoRelative } from './import-layers.js';

export const inALayer = {
  meta: {
    type: 'problem',
    docs: { description: 'Require every file of src/ to belong to a layer' },
    schema: [],
    messages: { unlayered: '{{file}} belongs to no layer: add it to LAYERS in lint/import-layers.js ({{order}}).' },
  },
  create(context) {
    const file = repoRelative(context.physicalFilename);
    return {
      Program(node) {
        if (file.startsWith('src/') && layerOf(file) === undefined) {
          context.report({ node, messageId: 'unlayered', data: { file, order: LAYER_ORDER } });
        }
      },
    };
  },
};
