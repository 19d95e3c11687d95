import type { FileStrings } from './file-strings.js';

/** The strings of files in Spanish, for the widget's Spanish strings and the inbox's. */
export const FILE_STRINGS_ES: FileStrings = {
  attach: 'Adjuntar archivos',
  attachments: 'Archivos para enviar',
  removeFile: (name) => `Quitar ${name}`,
  viewImage: (name) => `Ver ${name}`,
  download: 'Descargar',
  closeViewer: 'Cerrar',
  uploading: (name) => `Subiendo ${name}`,
  cancelUpload: 'Cancelar',
  dropFiles: 'Suelta los archivos para adjuntarlos',
  fileTooLarge: (name, max) => `${name} es demasiado grande: los archivos pueden ocupar hasta ${max}.`,
  tooManyFiles: (max) => `Puedes enviar hasta ${max} archivos en un mensaje.`,
  fileTypeRefused: (name) => `${name} es un tipo de archivo que el chat no admite.`,
  fileLost: (name) => `${name} no se conservó al recargar la página: vuelve a elegirlo.`,
  chooseAgain: 'Elegir de nuevo',
};
