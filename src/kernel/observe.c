/*
 * observe.c - what a simulation tells those who watch it: the observer
 * hook (explain, timelines, hazard chains read the model's decisions
 * through it, at no cost when nobody watches) and the model's errors,
 * which name the trace line being applied.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kernel/internal.h"

bool sim_observing(const struct sim *s)
{
	return s->nobs != 0;
}

void sim_observe(struct sim *s, enum tlbsim_obs_kind kind, int cpu,
		 int target, uint64_t cycle, uint64_t end, const char *func,
		 const char *fmt, ...)
{
	char text[512];
	struct tlbsim_obs o;
	va_list ap;

	if (!s->nobs)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	memset(&o, 0, sizeof(o));
	o.kind = kind;
	o.cpu = cpu;
	o.target = target;
	o.cycle = cycle;
	o.end = end;
	o.t = s->cur ? s->cur->t : s->last_t;
	o.func = func;
	o.text = text;
	o.ev = kind == TLBSIM_OBS_EVENT ? s->cur : NULL;
	o.index = s->obs_index;
	for (unsigned i = 0; i < s->nobs; i++)
		s->obs[i](s->obs_ctx[i], &o);
}

int tlbsim_sim_observe(struct tlbsim_sim *ss, tlbsim_observer_fn fn, void *ctx)
{
	struct sim *s = (struct sim *)ss;

	if (s->nobs == sizeof(s->obs) / sizeof(s->obs[0]))
		return TLBSIM_EINVAL;
	s->obs[s->nobs] = fn;
	s->obs_ctx[s->nobs++] = ctx;
	return 0;
}

void tlbsim_sim_unobserve(struct tlbsim_sim *ss, void *ctx)
{
	struct sim *s = (struct sim *)ss;
	unsigned out = 0;

	for (unsigned i = 0; i < s->nobs; i++) {
		if (s->obs_ctx[i] == ctx)
			continue;
		s->obs[out] = s->obs[i];
		s->obs_ctx[out++] = s->obs_ctx[i];
	}
	s->nobs = out;
}

int sim_model_error(struct sim *s, const char *fmt, ...)
{
	char reason[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (!s->err)
		s->err = tlbsim_diag_set(s->diag, TLBSIM_EMODEL, "%s:%llu: %s",
			s->cfg.trace_name ? s->cfg.trace_name : "trace",
			(unsigned long long)(s->cur ? s->cur->line : 0), reason);
	return s->err;
}
