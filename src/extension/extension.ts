/**
 * The Model Spec extension: model specs (`*.model.json`) as a language. Activation loads only
 * the core's analysis and the editor features; TensorFlow.js is never loaded here.
 */
import * as vscode from 'vscode';
import { registerCommands } from './commands';
import { DiagnosticsController } from './diagnostics';
import { registerImportFromKeras } from './importKeras';
import { registerProviders } from './providers';
import { registerTraining } from './training';
import { registerTrainingPanel } from './trainingPanel';

/** Activates on the first `modelspec` document or command. */
export function activate(context: vscode.ExtensionContext): void {
  const start = performance.now();
  const output = vscode.window.createOutputChannel('Model Spec');
  context.subscriptions.push(output, new DiagnosticsController());
  registerProviders(context);
  registerCommands(context);
  registerImportFromKeras(context, output);
  // Cheap to register: the trainer is a separate process, started only when training.
  registerTrainingPanel(context, registerTraining(context, output));
  // Startup cost in plain sight (the budget is 300 ms; the e2e test checks VS Code's own measure).
  output.appendLine(`Model Spec activated in ${(performance.now() - start).toFixed(1)} ms`);
}

/** Nothing to do: everything is in `context.subscriptions`. */
export function deactivate(): void {}
