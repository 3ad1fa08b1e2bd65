//! Mutations: a write to the server with optimistic changes that are kept
//! per mutation, rolled back alone on failure, and invalidation once the
//! last concurrent mutation on the same keys settles.

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

use earshot_shared::QueryKey;

use super::cache::{MutationId, QueryClient};
use super::runtime::LocalFuture;

type Callback<A, B, C> = Rc<dyn Fn(&A, &B, &C)>;
type OnMutate<V, C> = Rc<dyn Fn(&Optimistic, &V) -> C>;
type OnSettled<V, R, E, C> = Rc<dyn Fn(Result<&R, &E>, &V, &C)>;

/// What a mutation does and how it reacts to its outcome.
///
/// ```ignore
/// let delete = Mutation::new(move |id: String| api.delete_project(&id))
///     .on_mutate(|optimistic, id| {
///         let id = id.clone();
///         optimistic.update::<Vec<Project>>(&keys::projects::list(), move |list| {
///             list.iter().filter(|p| p.id != id).cloned().collect()
///         });
///     })
///     .on_error(|error, _, _| toast(error))
///     .invalidates([keys::projects::all()]);
/// client.mutate(&delete, project_id).await;
/// ```
pub struct Mutation<V, R, E, C = ()> {
    run: Rc<dyn Fn(V) -> LocalFuture<Result<R, E>>>,
    on_mutate: Option<OnMutate<V, C>>,
    on_success: Option<Callback<R, V, C>>,
    on_error: Option<Callback<E, V, C>>,
    on_settled: Option<OnSettled<V, R, E, C>>,
    invalidates: Vec<QueryKey>,
}

impl<V, R, E, C> Clone for Mutation<V, R, E, C> {
    fn clone(&self) -> Self {
        Mutation {
            run: self.run.clone(),
            on_mutate: self.on_mutate.clone(),
            on_success: self.on_success.clone(),
            on_error: self.on_error.clone(),
            on_settled: self.on_settled.clone(),
            invalidates: self.invalidates.clone(),
        }
    }
}

impl<V, R, E, C> fmt::Debug for Mutation<V, R, E, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mutation")
            .field("invalidates", &self.invalidates)
            .finish_non_exhaustive()
    }
}

impl<V: 'static, R: 'static, E: 'static, C: Default + 'static> Mutation<V, R, E, C> {
    /// A mutation that runs `run` with its variables.
    pub fn new<F, Fut>(run: F) -> Self
    where
        F: Fn(V) -> Fut + 'static,
        Fut: Future<Output = Result<R, E>> + 'static,
    {
        Mutation {
            run: Rc::new(move |vars| Box::pin(run(vars))),
            on_mutate: None,
            on_success: None,
            on_error: None,
            on_settled: None,
            invalidates: Vec::new(),
        }
    }

    /// Runs before the request: apply optimistic changes through the
    /// [`Optimistic`] handle and return a context for the other callbacks.
    pub fn on_mutate(mut self, f: impl Fn(&Optimistic, &V) -> C + 'static) -> Self {
        self.on_mutate = Some(Rc::new(f));
        self
    }

    /// Runs when the request succeeded.
    pub fn on_success(mut self, f: impl Fn(&R, &V, &C) + 'static) -> Self {
        self.on_success = Some(Rc::new(f));
        self
    }

    /// Runs when the request failed, after this mutation's optimistic
    /// changes were rolled back.
    pub fn on_error(mut self, f: impl Fn(&E, &V, &C) + 'static) -> Self {
        self.on_error = Some(Rc::new(f));
        self
    }

    /// Runs after either outcome.
    pub fn on_settled(mut self, f: impl Fn(Result<&R, &E>, &V, &C) + 'static) -> Self {
        self.on_settled = Some(Rc::new(f));
        self
    }

    /// Key prefixes to invalidate once this mutation (and every concurrent
    /// one on the same prefixes) has settled. Prefixes given optimistic
    /// changes are invalidated too.
    pub fn invalidates(mut self, prefixes: impl IntoIterator<Item = QueryKey>) -> Self {
        self.invalidates.extend(prefixes);
        self
    }
}

/// Applies one mutation's optimistic changes.
pub struct Optimistic {
    client: QueryClient,
    id: MutationId,
    touched: RefCell<Vec<QueryKey>>,
}

impl fmt::Debug for Optimistic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Optimistic").field("id", &self.id).finish()
    }
}

impl Optimistic {
    /// Shows `update` applied to the data of every cached `T` under `prefix`
    /// until the mutation settles. `update` must be idempotent: it is applied
    /// again to newer server data that arrives meanwhile.
    pub fn update<T: 'static>(&self, prefix: &QueryKey, update: impl Fn(&T) -> T + 'static) {
        self.client.add_layer(self.id, prefix, update);
        self.touched.borrow_mut().push(prefix.clone());
    }

    /// The client, to read current data.
    pub fn client(&self) -> &QueryClient {
        &self.client
    }
}

impl QueryClient {
    /// Runs `mutation` with `vars`: optimistic changes first, then the
    /// request; on failure only this mutation's changes are rolled back; the
    /// affected keys are invalidated when the last mutation on them settles.
    pub async fn mutate<V, R, E, C>(&self, mutation: &Mutation<V, R, E, C>, vars: V) -> Result<R, E>
    where
        V: Clone + 'static,
        R: 'static,
        E: 'static,
        C: Default + 'static,
    {
        let optimistic = Optimistic {
            client: self.clone(),
            id: self.next_mutation_id(),
            touched: RefCell::default(),
        };
        let context = match &mutation.on_mutate {
            Some(on_mutate) => on_mutate(&optimistic, &vars),
            None => C::default(),
        };
        let mut affected = mutation.invalidates.clone();
        affected.extend(optimistic.touched.take());
        affected.sort();
        affected.dedup();
        self.mutation_started(&affected);
        let mut guard = Unsettled {
            client: self.clone(),
            id: optimistic.id,
            affected,
        };

        let result = (mutation.run)(vars.clone()).await;
        match &result {
            Ok(value) => {
                self.settle_layers(optimistic.id);
                if let Some(on_success) = &mutation.on_success {
                    on_success(value, &vars, &context);
                }
            }
            Err(error) => {
                self.remove_layers(optimistic.id);
                if let Some(on_error) = &mutation.on_error {
                    on_error(error, &vars, &context);
                }
            }
        }
        if let Some(on_settled) = &mutation.on_settled {
            on_settled(result.as_ref(), &vars, &context);
        }
        self.mutation_settled(&std::mem::take(&mut guard.affected));
        result
    }
}

/// Rolls back and settles a mutation whose future was dropped before its
/// outcome was known, so no optimistic change or pending count outlives it.
struct Unsettled {
    client: QueryClient,
    id: MutationId,
    affected: Vec<QueryKey>,
}

impl Drop for Unsettled {
    fn drop(&mut self) {
        if !self.affected.is_empty() {
            self.client.remove_layers(self.id);
            self.client.mutation_settled(&self.affected);
        }
    }
}
