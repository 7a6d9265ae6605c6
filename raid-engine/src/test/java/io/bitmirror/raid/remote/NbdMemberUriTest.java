package io.bitmirror.raid.remote;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

/** Member URIs survive the trip through a {@link Path} (which collapses "//"), in all four forms. */
class NbdMemberUriTest {

    private static void roundTrip(String uri) {
        Path p = Path.of(uri);
        assertTrue(NbdMemberUri.isRemote(p), uri);
        assertEquals(uri, NbdMemberUri.of(p).toString(), "through " + p);
        assertEquals(uri, NbdMemberUri.parse(uri).toString());
        assertEquals(p, NbdMemberUri.parse(uri).asPath());
    }

    @Test
    void allFourFormsRoundTrip() {
        roundTrip("nbd://127.0.0.1:10810/disk");
        roundTrip("nbd://example.org/");
        roundTrip("nbds://localhost:10811/disk");
        roundTrip("nbd+unix:///disk?socket=/run/nbd.sock");
        roundTrip("nbd+unix:///?socket=/tmp/a.sock");
        roundTrip("nbds+unix:///x?socket=/tmp/b.sock");
        NbdMemberUri u = NbdMemberUri.of(Path.of("nbds://h:99/e"));
        assertTrue(u.tls());
        assertEquals("h", u.host());
        assertEquals(99, u.port());
        assertEquals("e", u.exportName());
        assertEquals(NbdMemberUri.DEFAULT_PORT, NbdMemberUri.parse("nbd://h/").port());
        assertEquals(Path.of("/c"), NbdMemberUri.parse("nbds://h/?tls-certificates=/c").tlsCertificates());
    }

    @Test
    void filesAreNotUris() {
        for (String f : new String[] {"/dev/sda", "disk.img", "./nbd:/x", "nbdfile", "/tmp/nbd://x"}) {
            assertFalse(NbdMemberUri.isRemote(Path.of(f)), f);
            assertNull(NbdMemberUri.of(Path.of(f)), f);
        }
    }

    @Test
    void badUrisSayWhatIsWrong() {
        assertEquals("nbd+unix:///x: nbd+unix needs ?socket=PATH", NbdMemberUri.problem(Path.of("nbd+unix:///x")));
        assertTrue(NbdMemberUri.problem(Path.of("nbd://h:70000/")).contains("port 70000 out of range"));
        assertNull(NbdMemberUri.problem(Path.of("/dev/sdb")));
    }
}
