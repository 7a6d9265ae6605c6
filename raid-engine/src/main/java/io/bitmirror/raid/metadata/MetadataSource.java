package io.bitmirror.raid.metadata;

import io.bitmirror.raid.device.DeviceInfo;
import io.bitmirror.raid.device.DirectIo;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * Where metadata is read from: a device opened with O_DIRECT, or an image in memory (tests and
 * the mutation fuzzer). Positions and lengths passed in are multiples of 4096.
 */
public interface MetadataSource extends Closeable {

    /** Name for messages. */
    String name();

    /** Size of the device in bytes. */
    long sizeBytes();

    /** Reads {@code dst.remaining()} bytes at {@code position}, or fails with EOFException. */
    void read(long position, ByteBuffer dst) throws IOException;

    /** A device opened read-only with O_DIRECT. */
    static MetadataSource open(Path path) throws IOException {
        DeviceInfo dev = DeviceInfo.probe(path);
        FileChannel ch = DirectIo.openRead(path);
        return new MetadataSource() {
            @Override
            public String name() {
                return path.toString();
            }

            @Override
            public long sizeBytes() {
                return dev.sizeBytes();
            }

            @Override
            public void read(long position, ByteBuffer dst) throws IOException {
                DirectIo.readFully(ch, dst, position);
            }

            @Override
            public void close() throws IOException {
                ch.close();
            }
        };
    }

    /** An in-memory image: bytes {@code [0, image.limit())} are the device. */
    static MetadataSource of(String name, ByteBuffer image) {
        return new MetadataSource() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public long sizeBytes() {
                return image.limit();
            }

            @Override
            public void read(long position, ByteBuffer dst) throws IOException {
                if (position < 0 || position + dst.remaining() > image.limit()) {
                    throw new EOFException("end of device at byte " + image.limit());
                }
                ByteBuffer src = image.duplicate();
                src.position((int) position).limit((int) position + dst.remaining());
                dst.put(src);
            }

            @Override
            public void close() {
            }
        };
    }
}
