/**
 * The one place that decides what trains a run: the fused WebAssembly kernel when the spec fits
 * it (and the host allows it), else the stock TensorFlow.js path.
 */
import type { Split } from '../../core/data/load';
import { kernelOnly } from '../../core/kernelPlan';
import type { ResolvedSpec } from '../../core/resolve';
import type { EngineChoice } from '../../shared/trainerProtocol';
import { defaultKernelThreads, KERNEL_ENGINE, kernelBuild, kernelPlan, type KernelPlan } from './denseKernel';
import type { EngineSelection } from './engine';
import { FusedEngine } from './fusedEngine';
import { TfjsEngine } from './tfjsEngine';
import { DEFAULT_SAMPLES_PER_EPOCH } from '../health';

export type { Engine, EngineSelection, EngineSetup } from './engine';
export { logKeys, ratioMetrics } from './engine';
export { SplitEvaluator } from './splitEvaluator';

/** What the host asked for, and the TensorFlow.js backend that runs. */
export interface EngineRequest {
  engine: EngineChoice;
  /** The `--backend` the host asked for (auto, or a named TensorFlow.js backend). */
  backendChoice: string;
  /** The backend that was initialised, e.g. `wasm`. */
  backendName: string;
  /** Kernel threads; default: every core, at most 4. */
  threads?: number;
}

/** The engine for this run; throws when engine "kernel" is asked for a spec the kernel cannot train. */
export function selectEngine(request: EngineRequest, spec: ResolvedSpec, train: Split): EngineSelection {
  const chosen = chooseKernel(request.engine, request.backendChoice, spec, train);
  if ('reason' in chosen) {
    return {
      name: `tfjs (${request.backendName})`, reason: chosen.reason, create: (setup) => new TfjsEngine(setup),
      measuredBy: 'measured with tf.grads and a forward pass on the sampled batch (each sample costs about two extra steps)',
      healthSamplesPerEpoch: DEFAULT_SAMPLES_PER_EPOCH.tfjs,
    };
  }
  const threads = request.threads ?? defaultKernelThreads();
  // The host may fix the count (several runs at once share the cores); else the engine measures.
  const tune = request.threads === undefined && threads > 1;
  const on = tune ? `on 1 to ${threads} threads, chosen by the machine's load (other processes' busy cores) and measured speed` : `on ${threads} thread${threads === 1 ? '' : 's'}`;
  return {
    name: KERNEL_ENGINE,
    reason: `${modelKind(spec, chosen.plan)}: one WebAssembly call per batch ${on}, ${kernelBuild()?.simd}, evaluation in the kernel, weights synced to TensorFlow.js only when read`,
    create: (setup) => new FusedEngine(setup, chosen.plan, threads, tune),
    measuredBy: 'measured in the fused kernel during the step',
    healthSamplesPerEpoch: DEFAULT_SAMPLES_PER_EPOCH.kernel,
  };
}

/** What the kernel trains, as the engine reason says it. */
function modelKind(spec: ResolvedSpec, plan: KernelPlan): string {
  if (spec.layers.some((l) => l.type === 'Conv2D')) return plan.activations.length ? 'a Sequential convnet (Conv2D and pooling, then Dense layers)' : 'an all-convolutional Sequential model (the loss on its last layer)';
  return plan.front.length ? 'a Sequential stack of Dense layers and the layers between them' : 'a Sequential Dense stack';
}

/**
 * The kernel plan when the kernel should train this run, else why not. `--backend` other than
 * auto asks for a TensorFlow.js backend, so it means the stock path; engine "kernel" insists.
 */
function chooseKernel(engine: EngineChoice, backend: string, spec: ResolvedSpec, train: Split): { plan: KernelPlan } | { reason: string } {
  // AdamW, Nadam and activity regularizers (none in TensorFlow.js) train on the kernel whatever the backend.
  const only = kernelOnly(spec);
  if (engine === 'tfjs') {
    if (only) throw new Error(`${only.name} trains only on the fused engine (${only.why}): use engine auto (--engine auto, or the modelSpec.training.engine setting), or ${only.instead}.`);
    return { reason: 'engine tfjs requested' };
  }
  if (engine === 'auto' && backend !== 'auto' && !only) return { reason: `--backend ${backend} selects the stock TensorFlow.js path` };
  const planned = kernelPlan(spec);
  const fail = (reason: string): { reason: string } => {
    if (only) throw new Error(`${only.name} trains only on the fused engine (${only.why}), which cannot train this spec: it does not support ${reason}. Either ${only.instead}, or change the model so the fused engine trains it.`);
    if (engine === 'kernel') throw new Error(`The fused kernel cannot train this spec: ${reason}.`);
    return { reason: `the fused kernel does not support ${reason}` };
  };
  if ('reason' in planned) return fail(planned.reason);
  if (train.y.length !== train.count * planned.plan.labelWidth) return fail(`labels of shape [${train.labelShape.join(', ')}] for this loss`);
  if (!kernelBuild()) return fail('this build: dist/kernel.wasm is missing (npm run build compiles it with clang)');
  return planned;
}
