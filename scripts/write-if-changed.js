const fs = require('fs');
const path = require('path');

/**
 * Writes `text` to `file` (creating its directory) unless the file already
 * holds exactly that text, so an unchanged build output keeps its
 * modification time. Returns whether it wrote.
 */
function writeIfChanged(file, text) {
  if (fs.existsSync(file) && fs.readFileSync(file, 'utf8') === text) return false;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return true;
}

module.exports = { writeIfChanged };
