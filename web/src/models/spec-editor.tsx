// The spec editor: a form over the spec's JSON (input shape, one card per layer with an input per
// field, loss) beside the same spec as editable JSON. The form knows no layer's fields: it shows what
// the spec holds, so layer types the engine gains later edit the same way. Errors arrive as the
// engine's JSON pointers (`/layers/1/units`) and are shown at that field, card or input.

import { useState } from 'preact/hooks';
import type { ErrorDetail, Spec } from '../api/types.js';
import { LAYER_STARTERS, LOSSES } from './templates.js';

interface Props {
  spec: Spec;
  onChange: (spec: Spec) => void;
  /** Engine errors with paths relative to the spec. */
  errors: ErrorDetail[];
}

/** A field's text: strings as typed, everything else as JSON. */
const toText = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

/** Typed text back to a value: JSON when it parses (3, true, [2, 2]), else the string itself. */
export function fromText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function parseShape(text: string): unknown[] {
  return text.split(',').map((part) => part.trim()).filter(Boolean).map((part) => (Number.isFinite(Number(part)) ? Number(part) : part));
}

export function SpecEditor({ spec, onChange, errors }: Props) {
  const at = (path: string) => errors.filter((e) => e.path === path).map((e) => e.message);
  const layers = Array.isArray(spec.layers) ? spec.layers : [];
  const setLayers = (next: Record<string, unknown>[]) => onChange({ ...spec, layers: next });
  const placed = (path: string) =>
    path === '/input' || path.startsWith('/input/') || path === '/loss' || /^\/layers\/\d+(\/|$)/.test(path) && Number(path.split('/')[2]) < layers.length;
  const general = errors.filter((e) => !placed(e.path));

  return (
    <div class="spec-editor">
      <div class="spec-form">
        <FieldErrors id="spec-general-error" messages={general.map((e) => `${e.path}: ${e.message}`)} />
        <div class="form-row">
          <Field label="Input shape" path="/input" messages={[...at('/input'), ...errors.filter((e) => e.path.startsWith('/input/')).map((e) => e.message)]}>
            {(props) => (
              <LiveInput {...props} value={Array.isArray(spec.input) ? spec.input.join(', ') : toText(spec.input)} onText={(text) => onChange({ ...spec, input: parseShape(text) as number[] })} />
            )}
          </Field>
          <Field label="Loss" path="/loss" messages={at('/loss')}>
            {(props) => (
              <select {...props} value={spec.loss} onChange={(e) => onChange({ ...spec, loss: e.currentTarget.value })}>
                {[...new Set([...LOSSES, spec.loss])].map((loss) => <option key={loss} value={loss}>{loss}</option>)}
              </select>
            )}
          </Field>
        </div>
        <ol class="layers" aria-label="Layers">
          {layers.map((layer, i) => (
            <LayerCard
              key={i}
              index={i}
              layer={layer}
              count={layers.length}
              errors={errors.filter((e) => e.path === `/layers/${i}` || e.path.startsWith(`/layers/${i}/`))}
              onChange={(next) => setLayers(layers.map((l, j) => (j === i ? next : l)))}
              onRemove={() => setLayers(layers.filter((_, j) => j !== i))}
              onMove={(to) => {
                const next = [...layers];
                [next[i], next[to]] = [next[to], next[i]];
                setLayers(next);
              }}
            />
          ))}
        </ol>
        <AddLayer onAdd={(type) => setLayers([...layers, { ...LAYER_STARTERS[type] }])} />
      </div>
      <JsonEditor spec={spec} onChange={onChange} />
    </div>
  );
}

/**
 * A text input that reports every keystroke but shows what was typed while it has focus: the spec's
 * own rendering of a value (3.50 -> 3.5) would otherwise rewrite the text under the cursor.
 */
function LiveInput({ value, onText, ...props }: FieldProps & { value: string; onText: (text: string) => void }) {
  const [typed, setTyped] = useState<string | null>(null);
  return (
    <input
      {...props}
      value={typed ?? value}
      onFocus={() => setTyped(value)}
      onBlur={() => setTyped(null)}
      onInput={(e) => {
        setTyped(e.currentTarget.value);
        onText(e.currentTarget.value);
      }}
    />
  );
}

interface FieldProps {
  id: string;
  'aria-invalid': boolean;
  'aria-describedby'?: string;
}

function Field({ label, path, messages, children }: { label: string; path: string; messages: string[]; children: (props: FieldProps) => preact.ComponentChildren }) {
  const id = `field${path.replace(/\//g, '-')}`;
  return (
    <div class={`field${messages.length > 0 ? ' invalid' : ''}`} data-path={path}>
      <label for={id}>{label}</label>
      {children({ id, 'aria-invalid': messages.length > 0, 'aria-describedby': messages.length > 0 ? `${id}-error` : undefined })}
      <FieldErrors id={`${id}-error`} messages={messages} />
    </div>
  );
}

function FieldErrors({ id, messages }: { id: string; messages: string[] }) {
  if (messages.length === 0) return null;
  return <p id={id} class="field-error" role="alert">{messages.join('; ')}</p>;
}

interface LayerCardProps {
  index: number;
  layer: Record<string, unknown>;
  count: number;
  errors: ErrorDetail[];
  onChange: (layer: Record<string, unknown>) => void;
  onRemove: () => void;
  onMove: (to: number) => void;
}

function LayerCard({ index, layer, count, errors, onChange, onRemove, onMove }: LayerCardProps) {
  const base = `/layers/${index}`;
  const type = typeof layer.type === 'string' ? layer.type : '';
  const fields = Object.keys(layer).filter((k) => k !== 'type');
  // Errors about the whole layer, or about a field the layer does not have (a missing `units`).
  const cardErrors = errors.filter((e) => e.path === base || !fields.includes(e.path.slice(base.length + 1).split('/')[0]) && e.path !== `${base}/type`);
  return (
    <li class={`layer-card${errors.length > 0 ? ' invalid' : ''}`} aria-label={`Layer ${index}: ${type}`}>
      <div class="layer-head">
        <span class="layer-index">{index}</span>
        <Field label="type" path={`${base}/type`} messages={errors.filter((e) => e.path === `${base}/type`).map((e) => e.message)}>
          {(props) => (
            <select {...props} value={type} onChange={(e) => onChange({ ...(LAYER_STARTERS[e.currentTarget.value] ?? { type: e.currentTarget.value }) })}>
              {[...new Set([...Object.keys(LAYER_STARTERS), type])].map((t) => <option key={t} value={t}>{t}</option>)}
            </select>
          )}
        </Field>
        <span class="layer-actions">
          <button type="button" class="icon" aria-label={`Move layer ${index} up`} disabled={index === 0} onClick={() => onMove(index - 1)}>↑</button>
          <button type="button" class="icon" aria-label={`Move layer ${index} down`} disabled={index === count - 1} onClick={() => onMove(index + 1)}>↓</button>
          <button type="button" class="icon" aria-label={`Remove layer ${index}`} onClick={onRemove}>✕</button>
        </span>
      </div>
      <div class="layer-fields">
        {fields.map((field) => (
          <Field key={field} label={field} path={`${base}/${field}`} messages={errors.filter((e) => e.path === `${base}/${field}` || e.path.startsWith(`${base}/${field}/`)).map((e) => e.message)}>
            {(props) => <LiveInput {...props} value={toText(layer[field])} onText={(text) => onChange({ ...layer, [field]: fromText(text) })} />}
          </Field>
        ))}
      </div>
      <FieldErrors id={`layer-${index}-error`} messages={cardErrors.map((e) => e.message)} />
    </li>
  );
}

function AddLayer({ onAdd }: { onAdd: (type: string) => void }) {
  const [type, setType] = useState('dense');
  return (
    <div class="form-row">
      <label>
        New layer{' '}
        <select value={type} onChange={(e) => setType(e.currentTarget.value)}>
          {Object.keys(LAYER_STARTERS).map((t) => <option key={t} value={t}>{t}</option>)}
        </select>
      </label>
      <button type="button" class="secondary" onClick={() => onAdd(type)}>Add layer</button>
    </div>
  );
}

/** The spec as JSON text; edits apply when the text parses. */
function JsonEditor({ spec, onChange }: { spec: Spec; onChange: (spec: Spec) => void }) {
  const formatted = JSON.stringify(spec, null, 2);
  const [draft, setDraft] = useState<string | null>(null);
  const [parseError, setParseError] = useState<string | null>(null);
  return (
    <div class="field spec-json">
      <label for="spec-json">Spec as JSON</label>
      <textarea
        id="spec-json"
        spellcheck={false}
        rows={24}
        value={draft ?? formatted}
        aria-invalid={parseError !== null}
        onInput={(e) => {
          const text = e.currentTarget.value;
          setDraft(text);
          try {
            const value: unknown = JSON.parse(text);
            if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('a spec is an object with input, layers and loss');
            setParseError(null);
            onChange(value as Spec);
          } catch (err) {
            setParseError((err as Error).message);
          }
        }}
        onBlur={() => parseError === null && setDraft(null)}
      />
      {parseError && <p class="field-error" role="alert">Not valid JSON: {parseError}</p>}
    </div>
  );
}
