// An ESLint visitor that hands every module specifier of a file to a callback: static imports and
// re-exports (type-only ones too), import(), `typeof import()` types and `import x = require()`.

/** @param {(node: object, specifier: string) => void} onSource */
export function moduleSources(onSource) {
  const literal = (node, value) => {
    if (typeof value === 'string') onSource(node, value);
  };
  return {
    ImportDeclaration: (node) => literal(node, node.source.value),
    ExportNamedDeclaration: (node) => node.source && literal(node, node.source.value),
    ExportAllDeclaration: (node) => literal(node, node.source.value),
    ImportExpression: (node) => node.source.type === 'Literal' && literal(node, node.source.value),
    TSImportType: (node) => node.argument.type === 'TSLiteralType' && literal(node, node.argument.literal.value),
    TSExternalModuleReference: (node) => node.expression.type === 'Literal' && literal(node, node.expression.value),
  };
}
