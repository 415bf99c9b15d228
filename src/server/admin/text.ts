import iconv from 'iconv-lite';

/**
 * District files come as UTF-8 (with or without BOM) or Windows-1251 (Excel on
 * Russian Windows). Bytes that are not valid UTF-8 are read as Windows-1251.
 */
export function decodeText(bytes: Buffer): string {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return bytes.subarray(3).toString('utf8');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return iconv.decode(bytes, 'win1251');
  }
}
