package dev.terrarium.host.fs;

import java.util.concurrent.atomic.AtomicLong;

/** Device and inode numbers for file systems that have none of their own. */
final class Devices {
  private Devices() {}

  /** High enough not to meet the small numbers hosts give their disks; "terr" in ASCII. */
  private static final AtomicLong NEXT_DEVICE = new AtomicLong(0x7465_7272_0000_0000L);

  private static final AtomicLong NEXT_INODE = new AtomicLong(1);

  /** The device of all host-provided nodes ({@link ProvidedFiles}, {@link VirtualDirectory}). */
  static final long PROVIDED = newDevice();

  static long newDevice() {
    return NEXT_DEVICE.getAndIncrement();
  }

  /** A fresh inode number on {@link #PROVIDED}. */
  static long newProvidedInode() {
    return NEXT_INODE.getAndIncrement();
  }
}
