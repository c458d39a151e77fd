/** The language id of model specs (package.json `contributes.languages`). */
export const LANGUAGE_ID = 'modelspec';
