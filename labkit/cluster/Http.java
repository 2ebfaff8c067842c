package labkit.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.UnresolvedAddressException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * The kit's downloads over HTTP (PostgreSQL server binaries, the official Pagila dump): a GET that
 * counts only a 200, and errors that name the address and a cause a user can act on.
 */
public final class Http {
    /** How long the answer may take to begin; a download itself may take longer. */
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(30);

    private final Duration connectTimeout;
    private HttpClient client;

    /** The client is built on first use: most runs find what they need on disk and never touch the network. */
    public Http(Duration connectTimeout) {
        this.connectTimeout = connectTimeout;
    }

    /** The body of {@code uri} as text. */
    public String text(URI uri) throws IOException {
        return send(uri, HttpResponse.BodyHandlers.ofString()).body();
    }

    /**
     * Streams {@code uri} into {@code file}. With a {@code progress} sink, says the MB done at each
     * quarter (every 4 MB when the size is not known); null says nothing.
     */
    public void download(URI uri, Path file, Consumer<String> progress) throws IOException {
        HttpResponse<InputStream> r = send(uri, HttpResponse.BodyHandlers.ofInputStream());
        long total = r.headers().firstValueAsLong("Content-Length").orElse(-1);
        long step = total > 0 ? Math.max(total / 4, 1) : 4L << 20;
        long done = 0;
        long nextReport = step;
        byte[] buf = new byte[64 * 1024];
        try (InputStream in = r.body(); OutputStream out = Files.newOutputStream(file)) {
            for (int n; (n = in.read(buf)) > 0; ) {
                out.write(buf, 0, n);
                done += n;
                if (progress != null && (done >= nextReport || done == total)) {
                    progress.accept(String.format(Locale.ROOT, "  %.1f MB%s", done / 1e6,
                            total > 0 ? String.format(Locale.ROOT, " of %.1f MB", total / 1e6) : ""));
                    nextReport = done + step;
                }
            }
        } catch (IOException e) {
            throw new IOException(uri + ": " + reason(e, uri), e);
        }
    }

    private <T> HttpResponse<T> send(URI uri, HttpResponse.BodyHandler<T> body) throws IOException {
        if (client == null) {
            client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).connectTimeout(connectTimeout)
                    .build();
        }
        HttpResponse<T> r;
        try {
            r = client.send(HttpRequest.newBuilder(uri).timeout(ANSWER_TIMEOUT).GET().build(), body);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("download of " + uri + " interrupted");
        } catch (IOException e) {
            throw new IOException(uri + ": " + reason(e, uri), e);
        }
        if (r.statusCode() != 200) {
            if (r.body() instanceof InputStream in) {
                in.close();
            }
            throw new IOException(uri + " answered HTTP " + r.statusCode());
        }
        return r;
    }

    /** Java's HTTP client often says only "ConnectException": find the cause a user can act on. */
    private String reason(Throwable e, URI uri) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof UnresolvedAddressException || t instanceof UnknownHostException) {
                return "cannot resolve " + uri.getHost();
            }
            if (t instanceof HttpConnectTimeoutException) {
                return "no connection to " + uri.getHost() + " within " + connectTimeout.toSeconds() + " s";
            }
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException) {
                return "cannot connect to " + uri.getAuthority();
            }
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                return t.getMessage();
            }
        }
        return e.getClass().getSimpleName();
    }
}
