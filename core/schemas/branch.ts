/** Git refuses these in branch names; rejecting them early also keeps them away from any shell. */
export function isValidBranchName(name: string): boolean {
  if (!name || name.length > 255) return false;
  if (name.startsWith('-') || name.startsWith('/') || name.endsWith('/') || name.endsWith('.')) return false;
  if (name.includes('..') || name.includes('@{') || name.includes('//') || name.endsWith('.lock'))
    return false;
  if (name.split('/').some((part) => part.startsWith('.'))) return false;
  return !/[\x00-\x20\x7f~^:?*[\\]/.test(name);
}
