package dev.terrarium.host.reload;

/**
 * Where a plugin of a {@link PluginDirectory} is in its life.
 *
 * <pre>
 *   file appears ──► (checked) ──► STARTED ◄──► STOPPED          new file version: checked, then swapped in
 *                        │             ▲                           (a broken one leaves the old one serving)
 *                        ├──► LOADED ──┘ start()                  file removed: STOPPED
 *                        └──► FAILED (nothing good to serve)      disable(): DISABLED until enable()
 * </pre>
 */
public enum PluginState {
  /** A checked version is loaded but serves no calls: the directory does not start plugins on its own, or the
   * plugin was stopped and a new version arrived since. {@link PluginDirectory#start} starts it. */
  LOADED,
  /** A version serves calls. */
  STARTED,
  /** The plugin has no good version to serve: its files failed to load (see the status's last failure). The
   * directory tries again when its files change. */
  FAILED,
  /** The plugin serves no calls: it was stopped ({@link PluginDirectory#stop}), its file was removed, or the
   * directory was closed. A stopped plugin whose file is still there keeps its version for {@link
   * PluginDirectory#start}. */
  STOPPED,
  /** The plugin is switched off ({@link PluginDirectory#disable}): unloaded, and its files are not read until
   * {@link PluginDirectory#enable}. */
  DISABLED
}
