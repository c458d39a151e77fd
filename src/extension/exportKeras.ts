/**
 * Export to Keras... on a run in the training panel: the user picks `.keras` or `.h5` and where
 * (beside the run folder by default); the run's trained model is written by the code
 * `modelspec export --run` uses, atomically, and an existing file is replaced only once the
 * user confirms.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import { checkExportTarget, defaultRunExportPath, writeFailure } from '../core/exportTarget';
import { RunModelError, writeRunAsKeras } from '../core/keras/runModel';

type Format = 'keras' | 'h5';

const FORMATS: readonly (vscode.QuickPickItem & { format: Format })[] = [
  { format: 'keras', label: '.keras', description: 'Keras 3 (model.save("name.keras"))', detail: 'keras.saving.load_model("name.keras") loads it, compiled.' },
  { format: 'h5', label: '.h5', description: 'legacy HDF5 (model.save("name.h5"))', detail: 'For tf.keras 2 code and tools that read HDF5 models.' },
];

/** Asks for the format and the file, confirms a replacement, writes, and offers to reveal the file. */
export async function exportRunToKeras(runDir: string): Promise<void> {
  const run = path.basename(runDir);
  const picked = await vscode.window.showQuickPick(FORMATS, { title: `Export ${run} to Keras`, placeHolder: 'File format' });
  if (!picked) return;
  const target = await vscode.window.showSaveDialog({
    defaultUri: vscode.Uri.file(defaultRunExportPath(runDir, picked.format)),
    filters: picked.format === 'keras' ? { 'Keras 3 model': ['keras'] } : { 'Keras HDF5 model': ['h5', 'hdf5'] },
    title: `Export ${run} to Keras`,
    saveLabel: 'Export',
  });
  if (!target) return;
  const file = target.fsPath;
  const check = checkExportTarget(file, picked.format);
  if (!check.ok) {
    void vscode.window.showErrorMessage(check.problem);
    return;
  }
  if (check.replaces) {
    const answer = await vscode.window.showWarningMessage(`${path.basename(file)} already exists. Replace it?`, { modal: true, detail: file }, 'Replace');
    if (answer !== 'Replace') return;
  }
  try {
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Exporting ${run} to ${path.basename(file)}\u2026` }, () => writeRunAsKeras(runDir, file, picked.format));
  } catch (e) {
    void vscode.window.showErrorMessage(`Export to Keras: ${e instanceof RunModelError ? e.message : writeFailure(file, e)}`);
    return;
  }
  const action = await vscode.window.showInformationMessage(`Exported ${run} to ${file}.`, 'Reveal', 'Open Folder');
  // Reveal: in the Explorer when the file is in the workspace (the OS's file manager otherwise); Open Folder: the OS's.
  const inWorkspace = vscode.workspace.getWorkspaceFolder(target) !== undefined;
  if (action === 'Reveal') await vscode.commands.executeCommand(inWorkspace ? 'revealInExplorer' : 'revealFileInOS', target);
  else if (action === 'Open Folder') await vscode.commands.executeCommand('revealFileInOS', target);
}
