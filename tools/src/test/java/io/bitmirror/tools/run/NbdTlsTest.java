package io.bitmirror.tools.run;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.tools.External;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS on the export with real clients (libnbd's nbdinfo and nbdcopy, fio's nbd engine), and
 * certificates made by openssl in the test's directory: a CA, the server's certificate for
 * localhost, a client certificate the CA signed and one a stranger's CA signed.
 */
class NbdTlsTest {
    @TempDir
    Path dir;

    /** openssl, quietly; fails the test when it fails. */
    private static void openssl(Path cwd, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("openssl"));
        cmd.addAll(Arrays.asList(args));
        Process p = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + out);
    }

    /** A CA (ca-key.pem, ca-cert.pem) in {@code d}. */
    static void ca(Path d, String cn) throws Exception {
        Files.createDirectories(d);
        openssl(d, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca-key.pem", "-out", "ca-cert.pem",
                "-days", "2", "-subj", "/CN=" + cn, "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign");
    }

    /** {@code who}-key.pem (PKCS#8) and {@code who}-cert.pem signed by the CA in {@code caDir}, into {@code d}. */
    static void leaf(Path caDir, Path d, String who, String ext) throws Exception {
        Files.createDirectories(d);
        Path extFile = d.resolve(who + ".ext");
        Files.writeString(extFile, ext + "\n");
        openssl(d, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", who + "-key.pem", "-out", who + ".csr",
                "-subj", "/CN=" + who);
        openssl(d, "x509", "-req", "-in", who + ".csr", "-CA", caDir.resolve("ca-cert.pem").toString(), "-CAkey",
                caDir.resolve("ca-key.pem").toString(), "-CAcreateserial", "-out", who + "-cert.pem", "-days", "2",
                "-extfile", extFile.toString());
        if (!d.equals(caDir)) {
            Files.copy(caDir.resolve("ca-cert.pem"), d.resolve("ca-cert.pem"));
        }
    }

    /** Server, good client, and stranger (a client certificate from another CA, trusting our CA). */
    static Path[] certificates(Path dir) throws Exception {
        External.requireTool("openssl");
        Path ca = dir.resolve("ca");
        ca(ca, "bitmirror test CA");
        Path server = dir.resolve("server");
        leaf(ca, server, "server", "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth");
        Path client = dir.resolve("client");
        leaf(ca, client, "client", "extendedKeyUsage=clientAuth");
        Path otherCa = dir.resolve("other-ca");
        ca(otherCa, "a stranger's CA");
        Path stranger = dir.resolve("stranger");
        leaf(otherCa, stranger, "client", "extendedKeyUsage=clientAuth");
        // The stranger trusts our server (it could verify it) but its own certificate is not ours.
        Files.copy(ca.resolve("ca-cert.pem"), stranger.resolve("ca-cert.pem"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Path anonymous = dir.resolve("anonymous");
        Files.createDirectories(anonymous);
        Files.copy(ca.resolve("ca-cert.pem"), anonymous.resolve("ca-cert.pem"));
        return new Path[] {server, client, stranger, anonymous};
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static ArrayProcess startTcp(Path dir, int port, List<Path> members, String... extra) throws Exception {
        Path control = dir.resolve("control-" + port + ".sock");
        List<String> args = new ArrayList<>(List.of("assemble", "--export=nbd://127.0.0.1:" + port, "--control=" + control));
        args.addAll(Arrays.asList(extra));
        for (Path m : members) {
            args.add(m.toString());
        }
        return ArrayProcess.startArgs(dir, args, null, control);
    }

    static String tlsUri(int port, Path certs) {
        return "nbds://localhost:" + port + "/?tls-certificates=" + certs;
    }

    @Test
    void requireServesTlsClientsAndRefusesPlainOnes() throws Exception {
        External.requireTool("nbdinfo");
        External.requireTool("nbdcopy");
        External.requireTool("fio");
        Path[] c = certificates(dir);
        List<Path> m = NbdClientsTest.createArray(dir, 160L << 20);
        int port = freePort();
        try (ArrayProcess a = startTcp(dir, port, m, "--tls=require", "--tls-certificates=" + c[0])) {
            External.Run info = External.run("nbdinfo", "--json", tlsUri(port, c[1]));
            assertEquals(0, info.rc(), info.err() + a.output());
            String j = info.out().replace(" ", "").replace("\t", "").replace("\n", "");
            assertTrue(j.contains("\"TLS\":true"), j);
            assertTrue(j.contains("\"structured\":true"), j);
            assertTrue(j.contains("\"contexts\":[\"base:allocation\"]"), j);

            // A plain client: every option refused before TLS, so nbdinfo fails.
            External.Run plain = External.run("nbdinfo", "--json", "nbd://localhost:" + port);
            assertNotEquals(0, plain.rc(), "a plain client must be refused under --tls=require: " + plain.out());
            assertTrue(a.output().contains("refused before TLS (--tls=require)"), a.output());

            // nbdcopy in and out over TLS.
            byte[] data = new byte[16 << 20];
            new Random(5).nextBytes(data);
            Path in = dir.resolve("in.bin");
            Files.write(in, data);
            External.Run put = External.run("nbdcopy", in.toString(), tlsUri(port, c[1]));
            assertEquals(0, put.rc(), put.err());
            Path out = dir.resolve("out.bin");
            External.Run get = External.run("nbdcopy", tlsUri(port, c[1]), out.toString());
            assertEquals(0, get.rc(), get.err());
            assertArrayEquals(data, Arrays.copyOf(Files.readAllBytes(out), data.length));

            // fio's nbd engine over TLS, verifying what it wrote, queue depth 16. Its libnbd refuses
            // tls-certificates in a URI (local file access), so the client's files are where libnbd
            // looks by default: $HOME/.pki/libnbd.
            Path home = dir.resolve("home");
            Path pki = Files.createDirectories(home.resolve(".pki/libnbd"));
            for (String f : new String[] {"ca-cert.pem", "client-cert.pem", "client-key.pem"}) {
                Files.copy(c[1].resolve(f), pki.resolve(f));
            }
            External.Run fio = External.run(java.util.Map.of("HOME", home.toString()), "fio", "--name=tls",
                    "--ioengine=nbd", "--uri=nbds://localhost:" + port + "/",
                    "--rw=randwrite", "--bs=4k", "--iodepth=16", "--size=16M", "--offset=32M", "--verify=crc32c",
                    "--do_verify=1", "--verify_fatal=1", "--verify_state_save=0", "--output-format=terse");
            assertEquals(0, fio.rc(), fio.out() + fio.err());
            assertEquals(0, a.stop(), a.output());
            LogLines.assertAllFormatted(a.output());
        }
    }

    @Test
    void allowRemoteWithoutTlsWarns() throws Exception {
        List<Path> m = NbdClientsTest.createArray(dir, 32L << 20);
        int port = freePort();
        try (ArrayProcess a = startTcp(dir, port, m, "--allow-remote")) {
            assertEquals(0, a.stop(), a.output());
            assertEquals(1, a.output().lines().filter(l -> l.contains("[WARN]")
                    && l.contains("--allow-remote without TLS: blocks travel in clear text")).count(), a.output());
        }
        Path[] c = certificates(dir);
        try (ArrayProcess a = startTcp(dir, port, m, "--allow-remote", "--tls=require", "--tls-certificates=" + c[0])) {
            assertEquals(0, a.stop(), a.output());
            assertFalse(a.output().contains("without TLS"), a.output());
        }
    }

    @Test
    void onServesPlainAndTlsClients() throws Exception {
        External.requireTool("nbdinfo");
        Path[] c = certificates(dir);
        List<Path> m = NbdClientsTest.createArray(dir, 64L << 20);
        int port = freePort();
        try (ArrayProcess a = startTcp(dir, port, m, "--tls=on", "--tls-certificates=" + c[0])) {
            External.Run tls = External.run("nbdinfo", "--json", tlsUri(port, c[1]));
            assertEquals(0, tls.rc(), tls.err() + a.output());
            assertTrue(tls.out().replace(" ", "").contains("\"TLS\":true"), tls.out());
            External.Run plain = External.run("nbdinfo", "--json", "nbd://localhost:" + port);
            assertEquals(0, plain.rc(), plain.err() + a.output());
            String j = plain.out().replace(" ", "");
            assertTrue(j.contains("\"TLS\":false") && j.contains("\"structured\":true"), j);
            assertEquals(0, a.stop(), a.output());
        }
    }

    @Test
    void verifyPeerRefusesClientsWithoutAValidCertificate() throws Exception {
        External.requireTool("nbdinfo");
        Path[] c = certificates(dir);
        List<Path> m = NbdClientsTest.createArray(dir, 64L << 20);
        int port = freePort();
        try (ArrayProcess a = startTcp(dir, port, m, "--tls=require", "--tls-certificates=" + c[0], "--tls-verify-peer")) {
            External.Run good = External.run("nbdinfo", "--json", tlsUri(port, c[1]));
            assertEquals(0, good.rc(), good.err() + a.output());
            for (Path bad : new Path[] {c[2], c[3]}) {
                External.Run r = External.run("nbdinfo", "--json", tlsUri(port, bad));
                assertNotEquals(0, r.rc(), "refused without a certificate our CA signed (" + bad.getFileName() + ")");
            }
            // The server is still serving after the failed handshakes, and said so in one line each.
            External.Run again = External.run("nbdinfo", "--json", tlsUri(port, c[1]));
            assertEquals(0, again.rc(), again.err());
            String log = a.output();
            long failures = log.lines().filter(l -> l.contains("TLS handshake failed")).count();
            assertEquals(2, failures, log);
            assertFalse(log.contains("\tat "), "no stack trace: " + log);
            assertEquals(0, a.stop(), a.output());
        }
    }
}
