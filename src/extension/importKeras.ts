/** "Model Spec: Import from Keras...": a spec from a Keras file, script, notebook or selected code. */
import * as fs from 'fs';
import * as vscode from 'vscode';
import * as path from 'path';
import { writeFileAtomic } from '../core/atomicWrite';
import { IMPORT_EXTENSIONS, ImportFileError, defaultSpecPath, importFile, importPythonText, type ImportedSpec } from '../core/keras/importFile';
import { importMessage, importSource, type EditorState, type ImportSource } from './importSource';

function editorState(): EditorState {
  const editor = vscode.window.activeTextEditor;
  const notebook = vscode.window.activeNotebookEditor?.notebook.uri;
  const doc = editor?.document;
  return {
    ...(doc?.uri.scheme === 'file' ? { file: doc.uri.fsPath, languageId: doc.languageId, text: doc.getText(), selection: editor ? doc.getText(editor.selection) : '' } : {}),
    ...(notebook?.scheme === 'file' ? { notebook: notebook.fsPath } : {}),
  };
}

async function pickSource(): Promise<ImportSource | undefined> {
  const picked = await vscode.window.showOpenDialog({
    canSelectMany: false, openLabel: 'Import',
    filters: { 'Keras models, configs, code and notebooks': IMPORT_EXTENSIONS.map((e) => e.slice(1)) },
  });
  const file = picked?.[0]?.fsPath;
  if (!file) return undefined;
  return { kind: 'file', file, specPath: defaultSpecPath(file), what: path.basename(file) };
}

/** Runs the command; problems go to `output`, with an "Open Log" button on the notification. */
export async function importFromKeras(output: vscode.OutputChannel, arg?: unknown): Promise<void> {
  // From the explorer's context menu the file comes as the argument.
  const decided: ImportSource = arg instanceof vscode.Uri && arg.scheme === 'file'
    ? { kind: 'file', file: arg.fsPath, specPath: defaultSpecPath(arg.fsPath), what: path.basename(arg.fsPath) }
    : importSource(editorState());
  const source = decided.kind === 'pick' ? await pickSource() : decided;
  if (!source || source.kind === 'pick') return;
  if (fs.existsSync(source.specPath)) {
    const answer = await vscode.window.showWarningMessage(`${source.specPath} exists. Replace it?`, { modal: true }, 'Replace');
    if (answer !== 'Replace') return;
  }
  let imported: ImportedSpec;
  try {
    imported = source.kind === 'text' ? importPythonText(source.text, source.file, source.specPath) : await importFile(source.file, source.specPath);
  } catch (e) {
    if (!(e instanceof ImportFileError)) throw e;
    output.appendLine(e.message);
    const open = await vscode.window.showErrorMessage(`Import from Keras: ${e.message}`, 'Open Log');
    if (open) output.show(true);
    return;
  }
  writeFileAtomic(source.specPath, imported.text);
  for (const p of [...imported.problems, ...imported.diagnostics]) output.appendLine(p);
  await vscode.window.showTextDocument(vscode.Uri.file(source.specPath));
  const message = importMessage(source.what, source.specPath, imported);
  const show = message.severity === 'warning' ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
  const buttons = imported.problems.length || imported.diagnostics.length ? ['Open Log'] : [];
  if (await show(message.text, ...buttons)) output.show(true);
}

/** Registers the command. */
export function registerImportFromKeras(context: vscode.ExtensionContext, output: vscode.OutputChannel): void {
  context.subscriptions.push(vscode.commands.registerCommand('modelSpec.importFromKeras', (arg?: unknown) => importFromKeras(output, arg)));
}
