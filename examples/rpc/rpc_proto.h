/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The request/reply example's messages, shared by the M4 service and the
 * Linux program. Little-endian.
 *
 * request: id (u32, echoed), op (u32), then the operation's input
 * reply:   id (u32), status (u32, 0 ok), then the result
 *
 *   RPC_OP_ADD      two i32 -> their sum (i32)
 *   RPC_OP_REVERSE  bytes   -> the same bytes, last first
 *   RPC_OP_CRC32    bytes   -> their CRC-32 (u32), as zlib computes it
 */
#ifndef EXAMPLES_RPC_PROTO_H
#define EXAMPLES_RPC_PROTO_H

#define RPC_SERVICE "rpc"
#define RPC_OP_ADD 1u
#define RPC_OP_REVERSE 2u
#define RPC_OP_CRC32 3u
#define RPC_HDR_SIZE 8u
#define RPC_MAX_INPUT 1024u
#define RPC_MAX_MESSAGE (RPC_HDR_SIZE + RPC_MAX_INPUT)

#define RPC_OK 0u
#define RPC_BAD_OP 1u
#define RPC_BAD_INPUT 2u

#endif
