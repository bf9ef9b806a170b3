/*
 * buf.h: the one bounds-checked byte buffer through which sotto reads
 * untrusted bytes and builds outgoing ones (after OpenSSH's sshbuf).
 *
 * A buffer holds the bytes [off, len) of its storage.  Readers take from
 * the front (buf_get_*), writers append at the back (buf_put_*).  Every
 * getter checks the remaining length first, in a form that cannot
 * overflow, and leaves the buffer untouched on failure.  A buffer never
 * grows past its 'max', which is checked before any allocation.  Storage
 * is wiped before it is freed or moved, so a buffer may hold plaintext.
 *
 * The struct is public so that buffers can live on the stack or inside
 * other structs; its fields are private to buf.c.
 */
#ifndef SOTTO_BUF_H
#define SOTTO_BUF_H

#include <stddef.h>
#include <stdint.h>

struct buf {
	uint8_t		*d;		/* storage; NULL while empty */
	size_t		 off;		/* first unread byte */
	size_t		 len;		/* one past the last byte */
	size_t		 cap;		/* bytes allocated at d */
	size_t		 max;		/* hard limit on len - off */
	int		 readonly;	/* a view of someone else's bytes */
};

/* Initialises an empty, growable buffer holding at most 'max' bytes. */
void	 buf_init(struct buf *b, size_t max);
/* Initialises a read-only view of p[0..len); the caller keeps ownership
 * of p, which must outlive the view.  Writes to a view fail. */
void	 buf_view(struct buf *b, const void *p, size_t len);
/* Wipes and frees the storage; the buffer is empty and reusable after. */
void	 buf_release(struct buf *b);
/* Heap-allocated buffer; NULL on allocation failure.  buf_free(NULL) is
 * a no-op; buf_free wipes and frees storage and the struct. */
struct buf *buf_new(size_t max);
void	 buf_free(struct buf *b);
/* Forgets the contents (wiping them) but keeps the allocation. */
void	 buf_reset(struct buf *b);

/* Bytes available to read, and a pointer to the first of them (valid
 * until the next write to the buffer). */
size_t	 buf_len(const struct buf *b);
const uint8_t *buf_ptr(const struct buf *b);
/* Discards n bytes from the front: ERR_TRUNCATED if fewer are there. */
int	 buf_consume(struct buf *b, size_t n);

/* Getters: 0, or ERR_TRUNCATED with nothing consumed.  Integers are
 * big-endian (network byte order). */
int	 buf_get_u8(struct buf *b, uint8_t *v);
int	 buf_get_u16(struct buf *b, uint16_t *v);
int	 buf_get_u32(struct buf *b, uint32_t *v);
int	 buf_get_u64(struct buf *b, uint64_t *v);
int	 buf_get_fixed(struct buf *b, uint8_t *out, size_t n);
/* Points *p at the next n bytes inside the buffer and consumes them. */
int	 buf_get_view(struct buf *b, size_t n, const uint8_t **p);
/* A u16 length then that many bytes, as a view; ERR_TOO_LARGE when the
 * length exceeds 'max' (checked before anything else). */
int	 buf_get_string_view(struct buf *b, size_t max, const uint8_t **p,
	    size_t *n);
/* ERR_TRAILING unless every byte has been read. */
int	 buf_expect_end(const struct buf *b);

/* Putters: 0, ERR_TOO_LARGE past max, ERR_ALLOC, or ERR_INVALID_ARG on
 * a view.  On failure nothing is appended. */
int	 buf_put(struct buf *b, const void *p, size_t n);
int	 buf_put_u8(struct buf *b, uint8_t v);
int	 buf_put_u16(struct buf *b, uint16_t v);
int	 buf_put_u32(struct buf *b, uint32_t v);
int	 buf_put_u64(struct buf *b, uint64_t v);
/* A u16 length then the bytes; ERR_TOO_LARGE if n > 65535. */
int	 buf_put_string(struct buf *b, const void *p, size_t n);
/* Appends n uninitialised bytes and points *p at them, for in-place
 * writing (valid until the next write). */
int	 buf_reserve(struct buf *b, size_t n, uint8_t **p);
/* Drops the last n bytes written (after a failed in-place write). */
void	 buf_unput(struct buf *b, size_t n);

#endif
