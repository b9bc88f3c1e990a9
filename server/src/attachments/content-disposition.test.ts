import { describe, expect, it } from 'vitest';
import { contentDisposition } from './content-disposition.ts';

describe('contentDisposition', () => {
  it('gives an RFC 5987 filename* and an ASCII fallback', () => {
    expect(contentDisposition('attachment', 'report.pdf')).toBe(`attachment; filename="report.pdf"; filename*=UTF-8''report.pdf`);
    expect(contentDisposition('inline', 'crème brûlée (1).jpg')).toBe(`inline; filename="cr_me br_l_e (1).jpg"; filename*=UTF-8''cr%C3%A8me%20br%C3%BBl%C3%A9e%20%281%29.jpg`);
  });

  it('cannot be broken out of by quotes, semicolons or CR/LF in the name', () => {
    const header = contentDisposition('attachment', 'a"; filename=evil.html\r\nX: y\\.txt');
    expect(header).not.toMatch(/[\r\n]/);
    expect(header.split('"').length).toBe(3); // only the fallback's own two quotes
    expect(header).toContain(`filename*=UTF-8''a%22%3B%20filename%3Devil.html%0D%0AX%3A%20y%5C.txt`);
  });

  it("percent-encodes ' ( ) * which encodeURIComponent leaves", () => {
    expect(contentDisposition('attachment', "it's*.txt")).toContain(`filename*=UTF-8''it%27s%2A.txt`);
  });
});
