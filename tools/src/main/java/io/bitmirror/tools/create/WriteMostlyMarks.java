package io.bitmirror.tools.create;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * mdadm's {@code -W} / {@code --readwrite}: each marks the devices that follow it on the command
 * line. picocli appends positional devices to their list as it meets them, so the list's length
 * when an option is parsed says where the option stood.
 */
public final class WriteMostlyMarks {
    /** Device index where a mark starts, and whether it turns write-mostly on or off. */
    private final List<int[]> marks = new ArrayList<>();

    /** Records a mark before the devices not yet parsed. */
    public void mark(List<Path> devicesSoFar, boolean writeMostly) {
        marks.add(new int[] {devicesSoFar == null ? 0 : devicesSoFar.size(), writeMostly ? 1 : 0});
    }

    /** Calls {@code writeMostly} with the index of every device a {@code -W} covers. */
    public void apply(int devices, IntConsumer writeMostly) {
        for (int i = 0; i < devices; i++) {
            boolean on = false;
            for (int[] m : marks) {
                if (m[0] <= i) {
                    on = m[1] == 1;
                }
            }
            if (on) {
                writeMostly.accept(i);
            }
        }
    }
}
