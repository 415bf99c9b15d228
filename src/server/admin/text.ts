import iconv from 'iconv-lite';

export type TextEncodingName = 'utf-8' | 'windows-1251';

/**
 * District files come as UTF-8 (with or without BOM) or Windows-1251 (Excel on
 * Russian Windows). Bytes that are not valid UTF-8 are read as Windows-1251.
 */
export function decodeText(bytes: Uint8Array): string {
  return decodeTextDetected(bytes).text;
}

/** decodeText, also saying which encoding was read (a bank registry's import report shows it). */
export function decodeTextDetected(bytes: Uint8Array): { text: string; encoding: TextEncodingName } {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) return { text: buf.subarray(3).toString('utf8'), encoding: 'utf-8' };
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(buf), encoding: 'utf-8' };
  } catch {
    return { text: iconv.decode(buf, 'win1251'), encoding: 'windows-1251' };
  }
}
