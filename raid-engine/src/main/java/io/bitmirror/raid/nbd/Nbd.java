package io.bitmirror.raid.nbd;

/** The NBD protocol's numbers, each named once (doc/proto.md). All integers are big-endian. */
public final class Nbd {
    private Nbd() {
    }

    // ------------------------------------------------------------------ handshake
    /** "NBDMAGIC": first 8 bytes the server sends. */
    public static final long NBDMAGIC = 0x4e42444d41474943L;
    /** "IHAVEOPT": newstyle magic, and the prefix of every option the client sends. */
    public static final long IHAVEOPT = 0x49484156454F5054L;
    /** Magic of every option reply. */
    public static final long REPLY_MAGIC = 0x3e889045565a9L;

    /** Handshake flag: fixed newstyle. */
    public static final int FLAG_FIXED_NEWSTYLE = 1;
    /** Handshake flag: no 124 zero bytes after NBD_OPT_EXPORT_NAME. */
    public static final int FLAG_NO_ZEROES = 2;
    /** Client flag: fixed newstyle understood. */
    public static final int FLAG_C_FIXED_NEWSTYLE = 1;
    /** Client flag: no zeroes wanted. */
    public static final int FLAG_C_NO_ZEROES = 2;

    // ------------------------------------------------------------------ options
    /** Old way to pick an export; no reply, straight to transmission. */
    public static final int OPT_EXPORT_NAME = 1;
    /** Client gives up. */
    public static final int OPT_ABORT = 2;
    /** List exports. */
    public static final int OPT_LIST = 3;
    /** Upgrade the connection to TLS. */
    public static final int OPT_STARTTLS = 5;
    /** Describe an export. */
    public static final int OPT_INFO = 6;
    /** Describe an export and start transmission. */
    public static final int OPT_GO = 7;
    /** Structured replies. */
    public static final int OPT_STRUCTURED_REPLY = 8;
    /** List meta contexts. */
    public static final int OPT_LIST_META_CONTEXT = 9;
    /** Select meta contexts for NBD_CMD_BLOCK_STATUS. */
    public static final int OPT_SET_META_CONTEXT = 10;

    /** Option reply: done. */
    public static final int REP_ACK = 1;
    /** Option reply: an export name (OPT_LIST). */
    public static final int REP_SERVER = 2;
    /** Option reply: information (OPT_INFO/OPT_GO). */
    public static final int REP_INFO = 3;
    /** Option reply: a meta context (id and name). */
    public static final int REP_META_CONTEXT = 4;
    /** Error bit of option replies. */
    public static final int REP_FLAG_ERROR = 0x80000000;
    /** Option not supported. */
    public static final int REP_ERR_UNSUP = REP_FLAG_ERROR | 1;
    /** Option forbidden by policy. */
    public static final int REP_ERR_POLICY = REP_FLAG_ERROR | 2;
    /** Option malformed. */
    public static final int REP_ERR_INVALID = REP_FLAG_ERROR | 3;
    /** No such export. */
    public static final int REP_ERR_UNKNOWN = REP_FLAG_ERROR | 6;
    /** TLS required first. */
    public static final int REP_ERR_TLS_REQD = REP_FLAG_ERROR | 5;
    /** Option data too large. */
    public static final int REP_ERR_TOO_BIG = REP_FLAG_ERROR | 9;

    /** The meta context of allocation status (doc/proto.md "base:allocation"). */
    public static final String META_BASE_ALLOCATION = "base:allocation";
    /** Prefix of qemu's dirty-bitmap meta contexts (qemu docs/interop/nbd.rst); NAME follows. */
    public static final String META_DIRTY_BITMAP_PREFIX = "qemu:dirty-bitmap:";
    /** Block status flag of qemu:dirty-bitmap:NAME: the extent changed (is dirty). */
    public static final int STATE_DIRTY = 1;
    /** Block status flag of base:allocation: not allocated. */
    public static final int STATE_HOLE = 1;
    /** Block status flag of base:allocation: reads as zeroes. */
    public static final int STATE_ZERO = 2;

    /** NBD_INFO_EXPORT: size and transmission flags. */
    public static final int INFO_EXPORT = 0;
    /** NBD_INFO_NAME. */
    public static final int INFO_NAME = 1;
    /** NBD_INFO_DESCRIPTION. */
    public static final int INFO_DESCRIPTION = 2;
    /** NBD_INFO_BLOCK_SIZE: minimum, preferred, maximum. */
    public static final int INFO_BLOCK_SIZE = 3;

    // ------------------------------------------------------------------ transmission flags
    /** Transmission flags are valid. */
    public static final int TFLAG_HAS_FLAGS = 1;
    /** The export is read-only: writes, trims and write-zeroes are refused (EPERM). */
    public static final int TFLAG_READ_ONLY = 2;
    /** FLUSH is supported. */
    public static final int TFLAG_SEND_FLUSH = 4;
    /** FUA is supported. */
    public static final int TFLAG_SEND_FUA = 8;
    /** TRIM is supported. */
    public static final int TFLAG_SEND_TRIM = 32;
    /** WRITE_ZEROES is supported. */
    public static final int TFLAG_SEND_WRITE_ZEROES = 64;
    /** The DF (do not fragment) command flag is understood (structured replies only). */
    public static final int TFLAG_SEND_DF = 128;
    /** A FLUSH on one connection covers writes of every connection. */
    public static final int TFLAG_CAN_MULTI_CONN = 256;

    // ------------------------------------------------------------------ requests
    /** Request magic. */
    public static final int REQUEST_MAGIC = 0x25609513;
    /** Simple reply magic. */
    public static final int SIMPLE_REPLY_MAGIC = 0x67446698;
    /** Bytes of a request header. */
    public static final int REQUEST_LENGTH = 28;
    /** Bytes of a simple reply header. */
    public static final int REPLY_LENGTH = 16;
    /** Structured reply magic. */
    public static final int STRUCTURED_REPLY_MAGIC = 0x668e33ef;
    /** Bytes of a structured reply chunk header. */
    public static final int CHUNK_LENGTH = 20;
    /** Chunk flag: the last chunk of the reply. */
    public static final int REPLY_FLAG_DONE = 1;
    /** Chunk type: no payload (a success without data). */
    public static final int REPLY_TYPE_NONE = 0;
    /** Chunk type: data at an offset. */
    public static final int REPLY_TYPE_OFFSET_DATA = 1;
    /** Chunk type: a range that reads as zeroes. */
    public static final int REPLY_TYPE_OFFSET_HOLE = 2;
    /** Chunk type: block status descriptors of one meta context. */
    public static final int REPLY_TYPE_BLOCK_STATUS = 5;
    /** Chunk type: an error (errno, message). */
    public static final int REPLY_TYPE_ERROR = (1 << 15) | 1;

    /** Read. */
    public static final int CMD_READ = 0;
    /** Write, payload follows. */
    public static final int CMD_WRITE = 1;
    /** Disconnect. */
    public static final int CMD_DISC = 2;
    /** Flush. */
    public static final int CMD_FLUSH = 3;
    /** Trim. */
    public static final int CMD_TRIM = 4;
    /** Write zeroes. */
    public static final int CMD_WRITE_ZEROES = 6;
    /** Block status of the selected meta contexts. */
    public static final int CMD_BLOCK_STATUS = 7;

    /** Command flag: force unit access. */
    public static final int CMD_FLAG_FUA = 1;
    /** Command flag: do not punch holes (WRITE_ZEROES). */
    public static final int CMD_FLAG_NO_HOLE = 2;
    /** Command flag: a read's reply in one data chunk (structured replies). */
    public static final int CMD_FLAG_DF = 4;
    /** Command flag: block status of one extent only. */
    public static final int CMD_FLAG_REQ_ONE = 8;

    /** Operation not permitted. */
    public static final int EPERM = 1;
    /** I/O error. */
    public static final int EIO = 5;
    /** Invalid argument. */
    public static final int EINVAL = 22;
    /** No space (past the end). */
    public static final int ENOSPC = 28;
    /** Not supported. */
    public static final int ENOTSUP = 95;
    /** Server shutting down. */
    public static final int ESHUTDOWN = 108;

    /** Largest request we take: 32 MiB, what clients use by default. */
    public static final int MAX_REQUEST = 32 << 20;
    /** Largest option payload we read. */
    public static final int MAX_OPTION = 64 << 10;
}
