/** A response's body as JSON; its text when it is not JSON (an error page), null when empty. */
export async function readBody(res: Response): Promise<any> {
  const text = await res.text();
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return text;
  }
}
