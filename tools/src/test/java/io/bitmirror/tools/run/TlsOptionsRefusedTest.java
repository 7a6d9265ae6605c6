package io.bitmirror.tools.run;

import static io.bitmirror.tools.Refusals.refused;

import io.bitmirror.tools.External;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * --tls, --tls-certificates, --tls-verify-peer and the limits are checked, and the certificates
 * read, before the array is assembled: a refusal is one line and no member is written.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TlsOptionsRefusedTest {
    @TempDir
    Path dir;

    private List<Path> m;

    @BeforeEach
    void array() throws Exception {
        m = NbdClientsTest.createArray(dir, 16L << 20);
    }

    private void assemble(int rc, String expected, String... options) throws Exception {
        String[] args = new String[options.length + 5];
        args[0] = "assemble";
        args[1] = "--export=nbd://127.0.0.1:" + NbdTlsTest.freePort();
        args[2] = "--control=" + dir.resolve("c.sock");
        System.arraycopy(options, 0, args, 3, options.length);
        args[options.length + 3] = m.get(0).toString();
        args[options.length + 4] = m.get(1).toString();
        refused(dir, rc, expected, args);
    }

    @Test
    void badWordsAndMissingPieces() throws Exception {
        assemble(2, "--tls=maybe: expected off, on or require", "--tls=maybe");
        assemble(2, "--tls=require needs --tls-certificates=DIR", "--tls=require");
        assemble(2, "--tls-certificates and --tls-verify-peer need --tls=on or --tls=require", "--tls-verify-peer");
        assemble(2, "--max-connections 0: must be at least 1", "--max-connections=0");
        assemble(2, "--handshake-timeout 0: must be at least 1 second", "--handshake-timeout=0");
    }

    @Test
    void certificatesThatCannotBeUsed() throws Exception {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        assemble(1, empty.resolve("server-cert.pem") + ": missing or not readable", "--tls=on",
                "--tls-certificates=" + empty);
        External.requireTool("openssl");
        Path[] c = NbdTlsTest.certificates(dir.resolve("certs"));
        // An encrypted key: refused with the conversion to use.
        Path enc = Files.createDirectories(dir.resolve("enc"));
        for (String f : new String[] {"ca-cert.pem", "server-cert.pem"}) {
            Files.copy(c[0].resolve(f), enc.resolve(f));
        }
        Process p = new ProcessBuilder("openssl", "pkcs8", "-topk8", "-in", c[0].resolve("server-key.pem").toString(),
                "-out", enc.resolve("server-key.pem").toString(), "-passout", "pass:secret")
                .redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        p.waitFor();
        assemble(1, "ENCRYPTED PRIVATE KEY is not accepted: use an unencrypted PKCS#8 key", "--tls=require",
                "--tls-certificates=" + enc);
    }
}
