/**
 * {@code bitmirror config}: looking after the config file's bitmap records (docs/CONFIG.md), the
 * one part of that file bitmirror writes by itself.
 */
package io.bitmirror.tools.config;
