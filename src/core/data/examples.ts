import { shapeToString, sizeOfShape } from './ndarray';

/** The parts of a split that {@link checkExamplesFit} looks at. */
export interface ShapedSplit {
  exampleShape: number[];
  /** Where the examples came from, named in the message. */
  source: string;
}

/**
 * Checks that a split's examples hold as many values as the model's input takes (examples are
 * reshaped to the input shape, so 28x28 images feed an input of [784]). `modelInput` is the
 * model's input shape as Keras prints it, batch axis first (`[null, 28, 28]`). Returns a
 * message for the user, or undefined when they agree.
 */
export function checkExamplesFit(split: ShapedSplit, modelInput: readonly (number | null)[]): string | undefined {
  const want = modelInput.slice(1).map((d) => d ?? 1);
  const got = split.exampleShape;
  if (sizeOfShape(want) === sizeOfShape(got)) return undefined;
  return (
    `the examples of ${split.source} have shape ${shapeToString(got)} (${sizeOfShape(got)} values each) but the model's ` +
    `input_shape [${want.join(', ')}] takes ${sizeOfShape(want)}; set "input_shape" to [${got.join(', ')}] or use data of that shape`
  );
}
