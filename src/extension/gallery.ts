/**
 * New Model Spec and Open Example: the examples gallery (core/gallery.ts) in a quick pick, and
 * the chosen example written into the workspace, never over an existing file.
 */
import * as vscode from 'vscode';
import { GALLERY, type GalleryExample } from '../core/gallery';
import { exampleForWorkspace, freeName, newSpecText } from '../editor';
import { LANGUAGE_ID } from './language';

interface ExampleItem extends vscode.QuickPickItem {
  example?: GalleryExample;
}

/** What New Model Spec offers before the gallery. */
const STARTER: ExampleItem = {
  label: '$(new-file) Starter spec',
  description: 'untitled',
  detail: 'A new spec to edit: the notebook\'s MNIST MLP with comments on every part.',
};

/** The gallery as quick pick items (one line of description each). */
function galleryItems(): ExampleItem[] {
  return GALLERY.map((example) => ({
    label: example.title,
    description: example.file,
    detail: example.description,
    example,
  }));
}

/** Asks which example; undefined when the user cancels. `starter` adds the starter spec first. */
async function pick(starter: boolean): Promise<ExampleItem | undefined> {
  const examples = galleryItems();
  const items: ExampleItem[] = starter
    ? [STARTER, { label: 'Examples', kind: vscode.QuickPickItemKind.Separator }, ...examples]
    : examples;
  return vscode.window.showQuickPick(items, {
    title: starter ? 'New Model Spec' : 'Open Example',
    placeHolder: 'Start from which spec? Each example is commented like a short tutorial.',
    matchOnDescription: true,
    matchOnDetail: true,
  });
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

async function sameBytes(uri: vscode.Uri, bytes: Uint8Array): Promise<boolean> {
  const have = await vscode.workspace.fs.readFile(uri);
  return have.length === bytes.length && have.every((b, i) => b === bytes[i]);
}

/**
 * Writes `bytes` at `relative` in `folder`, or under the next free name; a file there with the
 * same bytes is reused (opening an example twice opens the same file). Returns the path used.
 */
async function writeFree(folder: vscode.Uri, relative: string, bytes: Uint8Array): Promise<{ path: string; uri: vscode.Uri }> {
  const at = (p: string): vscode.Uri => vscode.Uri.joinPath(folder, ...p.split('/'));
  const path = await freeName(relative, async (p) => (await exists(at(p))) && !(await sameBytes(at(p), bytes)));
  const uri = at(path);
  if (!(await exists(uri))) await vscode.workspace.fs.writeFile(uri, bytes);
  return { path, uri };
}

/** The folder examples are written into: the active editor's workspace folder, else the first one. */
function targetFolder(): vscode.WorkspaceFolder | undefined {
  const active = vscode.window.activeTextEditor?.document.uri;
  return (active && vscode.workspace.getWorkspaceFolder(active)) ?? vscode.workspace.workspaceFolders?.[0];
}

/**
 * Writes the example into the workspace folder with its data files beside it, and returns the
 * spec's new file. Without a workspace folder it opens as an untitled document that reads its
 * data from the extension's own copy.
 */
async function writeExample(extensionUri: vscode.Uri, example: GalleryExample): Promise<vscode.TextDocument> {
  const examples = vscode.Uri.joinPath(extensionUri, 'examples');
  const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(examples, example.file)));
  const folder = targetFolder();
  const dataPaths: Record<string, string> = {};
  if (!folder) {
    for (const f of example.dataFiles ?? []) dataPaths[f] = vscode.Uri.joinPath(examples, ...f.split('/')).fsPath;
    return vscode.workspace.openTextDocument({ language: LANGUAGE_ID, content: exampleForWorkspace(text, dataPaths) });
  }
  for (const f of example.dataFiles ?? []) {
    const written = await writeFree(folder.uri, f, await vscode.workspace.fs.readFile(vscode.Uri.joinPath(examples, ...f.split('/'))));
    if (written.path !== f) dataPaths[f] = written.path;
  }
  const spec = await writeFree(folder.uri, example.file, new TextEncoder().encode(exampleForWorkspace(text, dataPaths)));
  return vscode.workspace.openTextDocument(spec.uri);
}

async function open(extensionUri: vscode.Uri, item: ExampleItem | undefined): Promise<void> {
  if (!item) return;
  let doc: vscode.TextDocument;
  try {
    doc = item.example
      ? await writeExample(extensionUri, item.example)
      : // Untitled: works in every workspace (none, virtual, untrusted); saving asks where, like File > New File.
        await vscode.workspace.openTextDocument({ language: LANGUAGE_ID, content: newSpecText() });
  } catch (e) {
    const where = targetFolder()?.uri.fsPath ?? 'the workspace';
    void vscode.window.showErrorMessage(`Cannot write the example ${item.example?.file} into ${where}: ${(e as Error).message}. Check that the folder is writable.`);
    return;
  }
  // From the walkthrough (a tab that is no text editor), open beside it so that its next steps stay in view.
  const besideWalkthrough = !vscode.window.activeTextEditor && vscode.window.tabGroups.activeTabGroup.activeTab !== undefined;
  await vscode.window.showTextDocument(doc, besideWalkthrough ? vscode.ViewColumn.Beside : undefined);
}

/** Model Spec: New Model Spec: the starter spec or an example. */
export async function newModelSpec(extensionUri: vscode.Uri): Promise<void> {
  await open(extensionUri, await pick(true));
}

/** Model Spec: Open Example: an example from the gallery. */
export async function openExample(extensionUri: vscode.Uri): Promise<void> {
  await open(extensionUri, await pick(false));
}
