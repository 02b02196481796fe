/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Doubly-linked lists threaded through the objects themselves by a pair of
 * pointer fields (named per list, so one object can sit in several lists),
 * with a head pointer (and, for lists kept in arrival order, a tail). The
 * push/append/unlink steps are written once here; iteration stays a plain
 * `for (x = head; x; x = x->next)`.
 */
#ifndef LTS_LIST_H
#define LTS_LIST_H

/* Put node first in the list at head; prev/next name its link fields. */
#define LTS_LIST_PUSH(head, node, prev, next)                                  \
	do {                                                                   \
		(node)->prev = NULL;                                           \
		(node)->next = (head);                                         \
		if (head)                                                      \
			(head)->prev = (node);                                 \
		(head) = (node);                                               \
	} while (0)

/* Put node last in the list at head/tail (oldest first). */
#define LTS_LIST_APPEND(head, tail, node, prev, next)                          \
	do {                                                                   \
		(node)->prev = (tail);                                         \
		(node)->next = NULL;                                           \
		if (tail)                                                      \
			(tail)->next = (node);                                 \
		else                                                           \
			(head) = (node);                                       \
		(tail) = (node);                                               \
	} while (0)

/* Take node out of the list at head; its link fields are cleared. */
#define LTS_LIST_UNLINK(head, node, prev, next)                                \
	do {                                                                   \
		if ((node)->prev)                                              \
			(node)->prev->next = (node)->next;                     \
		else                                                           \
			(head) = (node)->next;                                 \
		if ((node)->next)                                              \
			(node)->next->prev = (node)->prev;                     \
		(node)->prev = (node)->next = NULL;                            \
	} while (0)

/* The same for a list with a tail pointer. */
#define LTS_LIST_UNLINK_TAIL(head, tail, node, prev, next)                     \
	do {                                                                   \
		if (!(node)->next)                                             \
			(tail) = (node)->prev;                                 \
		LTS_LIST_UNLINK(head, node, prev, next);                       \
	} while (0)

#endif /* LTS_LIST_H */
