"""The simulated Odoo 19 company: two years of a trading business, deterministic.

Why a discrete-event simulation rather than independent random tables: analysts reconcile the
marts against this data to the cent, so every number must follow from the events that made
it, as in Odoo. A quotation is confirmed, its delivery leaves the stock it reserved, the
invoice follows the delivery, the payment reconciles the invoice (a partial reconcile row,
residuals, payment state, matching number), the stock level triggers the orderpoint that
creates the purchase order, whose receipt and bill follow. Days are simulated in order, and
every record created on a day gets the next timestamp of that day, so ids, ``create_date`` and
``write_date`` advance together the way they do on a real server.

The scenarios (:mod:`simulator.scenarios`) are chosen after the population is drawn and are
made true by the simulation itself (a churner's order rate decays, a stock-out product's
demand rises while its replenishment stops, ...); their ground truth is returned apart from
the Odoo rows.

Rows are in the store's internal form: Odoo's wire format with many2one as a bare id, sparse
(keys whose value is the type default are left out).

The simulation is split by business process, one module each, around one shared accounting
core (:mod:`simulator.company.ledger`): reference data, population and plan, ledger, sales,
purchase (with replenishment), recurring accounting entries, CRM, HR/expenses, projects, the
planted scenarios, the ground truth, and the day loop (:mod:`simulator.company.simulation`)
that drives them. Each process is a mixin over the shared state of
:class:`~simulator.company.core.SimCore`, stacked in dependency order so that a process sees
the state and the methods of those below it.
"""
