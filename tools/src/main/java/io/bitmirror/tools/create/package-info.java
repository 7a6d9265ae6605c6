/** {@code bitmirror create}: new arrays on block devices or regular files. */
package io.bitmirror.tools.create;
