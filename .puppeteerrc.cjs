// Pixashot drives a system Chromium (Debian's `chromium`, or CHROME_PATH).
// Never let an install download a browser of its own: it cannot be fetched
// here, and a second Chrome would drift from the one CI and the image use.
module.exports = {
  skipDownload: true,
};
