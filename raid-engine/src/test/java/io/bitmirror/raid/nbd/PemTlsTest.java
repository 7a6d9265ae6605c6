package io.bitmirror.raid.nbd;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.raid.ArrayException;
import io.bitmirror.testsupport.Requirements;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.interfaces.RSAPrivateCrtKey;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Keys in the formats PemTls accepts, made by openssl: PKCS#8 and PKCS#1 RSA give the same key; EC (SEC1) is refused. */
class PemTlsTest {
    @TempDir
    Path dir;

    private void openssl(String... args) throws Exception {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "openssl";
        System.arraycopy(args, 0, cmd, 1, args.length);
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
    }

    @Test
    void pkcs1AndPkcs8AreTheSameKeyAndSec1IsRefused() throws Exception {
        Requirements.requireTools("openssl");
        openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "k8.pem");
        openssl("rsa", "-in", "k8.pem", "-traditional", "-out", "k1.pem");
        assertTrue(Files.readString(dir.resolve("k1.pem")).contains("BEGIN RSA PRIVATE KEY"));
        RSAPrivateCrtKey a = (RSAPrivateCrtKey) PemTls.privateKey(dir.resolve("k8.pem"));
        RSAPrivateCrtKey b = (RSAPrivateCrtKey) PemTls.privateKey(dir.resolve("k1.pem"));
        assertEquals(a.getModulus(), b.getModulus());
        assertEquals(a.getPrivateExponent(), b.getPrivateExponent());
        openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ec.pem");
        ArrayException e = assertThrows(ArrayException.class, () -> PemTls.privateKey(dir.resolve("ec.pem")));
        assertTrue(e.getMessage().contains("openssl pkcs8 -topk8 -nocrypt"), e.getMessage());
        openssl("pkcs8", "-topk8", "-nocrypt", "-in", "ec.pem", "-out", "ec8.pem");
        assertEquals("EC", PemTls.privateKey(dir.resolve("ec8.pem")).getAlgorithm());
    }
}
