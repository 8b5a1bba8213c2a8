/*
 * executor_engine.h — the QTT executor that runs cases on walleye's engine with an
 * in-memory broker (see executor.h for the contract).
 */
#ifndef WY_QTT_EXECUTOR_ENGINE_H
#define WY_QTT_EXECUTOR_ENGINE_H

#include "engine/testing/executor.h"

const wy_qtt_executor_t *wy_qtt_executor_engine(void);

#endif
