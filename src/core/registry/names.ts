/** Spelling helpers shared by the registry entries. */

/** `he_normal` -> `HeNormal`: the class-name spelling Keras also accepts for identifiers. */
export function toClassName(snake: string): string {
  return snake
    .split('_')
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('');
}

/** Keras's `to_snake_case` for default layer names: `LeakyReLU` -> `leaky_re_lu`, `Conv2D` -> `conv2d`. */
export function toSnakeCase(name: string): string {
  return name
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}
