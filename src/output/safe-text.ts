// Text that came from a host (stderr, journal lines, admin bodies, remote error messages) is only
// printed after passing through here: a broken or hostile host must not drive the operator's
// terminal (OSC 52 clipboard writes, window titles, cursor moves or \r that hide earlier lines).

/**
 * Whole sequences, so their payload goes too: CSI (7-bit and 8-bit), OSC/DCS/SOS/PM/APC strings up
 * to their terminator (BEL, ESC \ or ST), and two-character ESC sequences (ESC c, ESC 7, ESC ( B).
 */
const SEQUENCE =
  /\x1b\[[0-?]*[ -/]*[@-~]|\x9b[0-?]*[ -/]*[@-~]|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)|\x1b[ -/]*[0-~]/g;
/** What is left of the controls after that, one by one: C0 except \t and \n, DEL, C1. */
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;

/** `text` without terminal control sequences or control characters; \n and \t are kept. */
export function safeText(text: string): string {
  return text.replace(SEQUENCE, '').replace(CONTROL, '');
}

/**
 * JSON for printing: JSON.stringify escapes C0 but writes DEL and C1 (U+0080–U+009F, e.g. the
 * 8-bit CSI U+009B) raw. Escaping them keeps the value identical for a JSON reader.
 */
export function safeJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(
    /[\x7f-\x9f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
