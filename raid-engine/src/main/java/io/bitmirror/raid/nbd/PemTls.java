package io.bitmirror.raid.nbd;

import io.bitmirror.raid.ArrayException;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS keys and trust from a directory of PEM files with nbdkit's and libnbd's names:
 * {@code ca-cert.pem} (the CA that signs peers' certificates), {@code server-cert.pem} (this
 * server's certificate, then any intermediates) and {@code server-key.pem}; a client uses
 * {@code client-cert.pem} and {@code client-key.pem} instead. Parsed with the JDK alone.
 *
 * <p>Keys accepted: unencrypted PKCS#8 ({@code BEGIN PRIVATE KEY}: RSA, EC, Ed25519, what
 * {@code openssl genpkey} and current {@code certtool} write) and PKCS#1 RSA
 * ({@code BEGIN RSA PRIVATE KEY}, older tools), which is wrapped in PKCS#8 here. Not accepted:
 * encrypted keys, SEC1 {@code BEGIN EC PRIVATE KEY} (convert with {@code openssl pkcs8 -topk8 -nocrypt}).
 */
public final class PemTls {
    private PemTls() {
    }

    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----\\s*([A-Za-z0-9+/=\\s]+?)-----END \\1-----");
    /** AlgorithmIdentifier of rsaEncryption with NULL parameters, DER. */
    private static final byte[] RSA_ALGORITHM = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86,
        (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};

    /** The server's context: its key and certificate, and the CA's certificates as trust (for client certificates). */
    public static SSLContext server(Path dir) throws ArrayException {
        return context(dir, "server");
    }

    /** A client's context: its key and certificate when present, and the CA as trust for the server's certificate. */
    public static SSLContext client(Path dir) throws ArrayException {
        return context(dir, "client");
    }

    private static SSLContext context(Path dir, String who) throws ArrayException {
        Path ca = dir.resolve("ca-cert.pem");
        Path cert = dir.resolve(who + "-cert.pem");
        Path key = dir.resolve(who + "-key.pem");
        try {
            KeyManagerFactory kmf = null;
            if (who.equals("server") || Files.exists(cert)) {
                Certificate[] chain = certificates(cert).toArray(new Certificate[0]);
                if (chain.length == 0) {
                    throw new ArrayException(cert + ": no certificate in it");
                }
                PrivateKey pk = privateKey(key);
                KeyStore ks = KeyStore.getInstance("PKCS12");
                ks.load(null, null);
                ks.setKeyEntry("key", pk, new char[0], chain);
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(ks, new char[0]);
            }
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            int i = 0;
            for (Certificate c : certificates(ca)) {
                trust.setCertificateEntry("ca" + i++, c);
            }
            if (i == 0) {
                throw new ArrayException(ca + ": no certificate in it");
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return ctx;
        } catch (IOException e) {
            throw new ArrayException("--tls-certificates " + dir + ": " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new ArrayException("--tls-certificates " + dir + ": " + e.getMessage(), e);
        }
    }

    private static Collection<? extends Certificate> certificates(Path p) throws IOException, ArrayException {
        if (!Files.isReadable(p)) {
            throw new ArrayException(p + ": missing or not readable");
        }
        try {
            return CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(Files.readAllBytes(p)));
        } catch (GeneralSecurityException e) {
            throw new ArrayException(p + ": not a PEM certificate: " + e.getMessage(), e);
        }
    }

    /** The first private key in {@code p}: PKCS#8, or PKCS#1 RSA. */
    static PrivateKey privateKey(Path p) throws IOException, ArrayException {
        if (!Files.isReadable(p)) {
            throw new ArrayException(p + ": missing or not readable");
        }
        Matcher m = BLOCK.matcher(Files.readString(p, StandardCharsets.US_ASCII));
        while (m.find()) {
            String type = m.group(1);
            byte[] der = Base64.getMimeDecoder().decode(m.group(2));
            byte[] pkcs8;
            if (type.equals("PRIVATE KEY")) {
                pkcs8 = der;
            } else if (type.equals("RSA PRIVATE KEY")) {
                pkcs8 = wrapPkcs1(der);
            } else if (type.equals("ENCRYPTED PRIVATE KEY") || type.equals("EC PRIVATE KEY")) {
                throw new ArrayException(p + ": " + type + " is not accepted: use an unencrypted PKCS#8 key "
                        + "(openssl pkcs8 -topk8 -nocrypt)");
            } else {
                continue;
            }
            for (String alg : new String[] {"RSA", "EC", "Ed25519", "EdDSA"}) {
                try {
                    return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
                } catch (GeneralSecurityException e) {
                    // next algorithm
                }
            }
            throw new ArrayException(p + ": a " + type + " of no algorithm this JDK knows (RSA, EC, Ed25519)");
        }
        throw new ArrayException(p + ": no PEM private key in it");
    }

    /** PrivateKeyInfo { version 0, rsaEncryption, OCTET STRING pkcs1 }, DER. */
    private static byte[] wrapPkcs1(byte[] pkcs1) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(new byte[] {0x02, 0x01, 0x00});
        body.writeBytes(RSA_ALGORITHM);
        body.write(0x04);
        body.writeBytes(derLength(pkcs1.length));
        body.writeBytes(pkcs1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x30);
        out.writeBytes(derLength(body.size()));
        out.writeBytes(body.toByteArray());
        return out.toByteArray();
    }

    private static byte[] derLength(int n) {
        if (n < 0x80) {
            return new byte[] {(byte) n};
        }
        if (n < 0x100) {
            return new byte[] {(byte) 0x81, (byte) n};
        }
        if (n < 0x10000) {
            return new byte[] {(byte) 0x82, (byte) (n >> 8), (byte) n};
        }
        return new byte[] {(byte) 0x83, (byte) (n >> 16), (byte) (n >> 8), (byte) n};
    }
}
