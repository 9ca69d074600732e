/**
 * The text of a file from UI Kit's FilePicker. The picker hands files over as serialized data: a
 * data URL or bare base64. Policies are UTF-8 YAML or JSON.
 */
export function fileText(file: { data: string; name: string }): string {
  const data = file.data.startsWith('data:') ? file.data.slice(file.data.indexOf(',') + 1) : file.data;
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  return new TextDecoder('utf-8').decode(bytes);
}
