package dev.terrarium.host.wasi;

/**
 * What a guest has open at one descriptor, as the host lists it.
 *
 * @param fd the descriptor number
 * @param type {@code directory}, {@code regular file}, {@code character device} or {@code unknown}
 * @param guestPath the path it was opened by (a pre-opened directory's name; {@code <stdin>} etc. for streams)
 * @param readable whether it holds the read right
 * @param writable whether it holds the write right (for directories: the right to create files)
 * @param preopened whether it is a pre-opened directory
 */
public record OpenDescriptor(
    int fd, String type, String guestPath, boolean readable, boolean writable, boolean preopened) {}
