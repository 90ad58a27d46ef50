using ModelGen.Distributed;
using ModelGen.Sharding;
using TorchSharp;

namespace ModelGen.Training;

public sealed partial class ShardedTraining
{
    /// <summary>One unit at run time: its shard members, gathering and freeing, and its recomputed backward.</summary>
    internal sealed class TrainingUnit : IDisposable
    {
        private readonly Func<ShardedTraining> _owner;
        private readonly List<torch.Tensor> _ownRows;
        private IDisposable? _withoutGradients;
        private torch.Tensor? _randomState;
        private bool _gathered;

        public TrainingUnit(Func<ShardedTraining> owner, ShardedUnit unit, torch.nn.Module module, List<ShardedSlot> slots, List<torch.Tensor> members, List<torch.Tensor> others)
        {
            _owner = owner;
            Unit = unit;
            Module = module;
            Members = slots.Zip(members).ToList();
            Others = others;
            _ownRows = slots.Select(s => s.Padded.narrow(0, 0, s.RowCount)).ToList();
        }

        public ShardedUnit Unit { get; }

        public torch.nn.Module Module { get; }

        /// <summary>Each sharded key's slot and the module's member (a parameter whose storage is swapped).</summary>
        public List<(ShardedSlot Slot, torch.Tensor Member)> Members { get; }

        /// <summary>
        /// Trainable tensors the unit uses but does not own: replicated keys under it (their gradients are averaged after
        /// backward) and root tensors such as a tied weight (full while the root is gathered, reduced with the root's).
        /// </summary>
        public List<torch.Tensor> Others { get; }

        /// <summary>Puts every member's full tensor in place (one all-gather each). A collective.</summary>
        public void Gather()
        {
            if (_gathered) Release(); // a run that failed half-way may have left it gathered
            using var noGrad = torch.no_grad();
            long bytes = 0;
            ShardedTraining owner = _owner();
            foreach ((ShardedSlot slot, torch.Tensor member) in Members)
            {
                // The member keeps its object identity (the optimizer holds it); only its storage changes.
                owner._traffic.AllGather(slot.ChunkRows * owner._group.Size * slot.RowBytes);
                using torch.Tensor full = ShardGathering.Gather(owner._group, slot);
                member.set_(full);
                bytes += full.numel() * full.element_size();
            }
            _gathered = true;
            owner.CountGathered(bytes);
        }

        /// <summary>Every member gets its own rows back; the gathered tensors are freed.</summary>
        public void Release()
        {
            if (!_gathered) return;
            using var noGrad = torch.no_grad();
            long bytes = 0;
            for (int i = 0; i < Members.Count; i++)
            {
                torch.Tensor member = Members[i].Member;
                bytes += member.numel() * member.element_size();
                member.set_(_ownRows[i]);
            }
            _gathered = false;
            _owner().CountGathered(-bytes);
        }

        /// <summary>The unit's forward runs without gradients; the generator state is kept for the recomputation.</summary>
        public void StartWithoutGradients()
        {
            // Kept until backward: out of any dispose scope the model's forward runs in.
            _randomState = torch.get_rng_state().DetachFromDisposeScope();
            _withoutGradients = torch.set_grad_enabled(false);
        }

        /// <returns>The generator state the forward started from, or <see langword="null"/> when it ran without gradients anyway.</returns>
        public torch.Tensor? EndWithoutGradients()
        {
            _withoutGradients?.Dispose();
            _withoutGradients = null;
            torch.Tensor? state = _randomState;
            _randomState = null;
            return state;
        }

        /// <summary>
        /// The unit's backward, called by autograd: gather, recompute with gradients, reduce-scatter the parameter
        /// gradients into the shards. Never throws (it runs inside autograd's native engine): failures are agreed with
        /// every rank, which then skip the remaining collectives, and <see cref="ShardedTraining.Backward"/> throws them.
        /// </summary>
        public torch.Tensor?[] Backward(UnitCall call, torch.Tensor gradOutput)
        {
            ShardedTraining owner = _owner();
            var none = new torch.Tensor?[call.Inputs.Length];
            try
            {
                if (owner._failure is not null || owner._unexpected is not null) return none;
                if (owner._group.AgreeOnError(null) is { } before)
                {
                    owner._failure = before;
                    return none;
                }
                Gather();
                Recomputed? result = null;
                Exception? local = LocalFailure.Of(() => result = Recompute(call, gradOutput));
                Release();
                if (owner._group.AgreeOnError(local) is { } agreed)
                {
                    owner._failure = agreed;
                    result?.Dispose();
                    return none;
                }
                using (result)
                {
                    ShardGradientReduction.ReduceScatter(owner._group,
                        Members.Select((m, i) => new ShardGradientReduction.Item(m.Slot, result!.MemberGrads[i], m.Member)).ToList(), owner._traffic, owner._windowBytes);
                    for (int i = 0; i < Others.Count; i++)
                    {
                        if (result!.OtherGrads[i] is { } grad) ShardGradientReduction.Accumulate(Others[i], grad);
                    }
                    return result!.TakeInputGrads();
                }
            }
#pragma warning disable CA1031 // Autograd's engine calls this from native code, where an exception would end the process.
            catch (Exception e)
#pragma warning restore CA1031
            {
                owner._unexpected ??= e;
                return none;
            }
            finally
            {
                call.Release();
            }
        }

        private Recomputed Recompute(UnitCall call, torch.Tensor gradOutput)
        {
            using torch.Tensor randomNow = torch.get_rng_state();
            torch.set_rng_state(call.RandomState);
            torch.Tensor[] leaves = call.Inputs.Select((input, i) => input.detach().requires_grad_(call.InputRequiresGrad[i])).ToArray();
            try
            {
                using var withGradients = torch.enable_grad();
                using torch.Tensor output = UnitHooks.Forward(this, leaves);
                var targets = new List<torch.Tensor>();
                var inputSlots = Enumerable.Range(0, leaves.Length).Where(i => call.InputRequiresGrad[i]).ToList();
                targets.AddRange(inputSlots.Select(i => leaves[i]));
                var memberSlots = Enumerable.Range(0, Members.Count).Where(i => Members[i].Member.requires_grad).ToList();
                targets.AddRange(memberSlots.Select(i => Members[i].Member));
                targets.AddRange(Others);

                var result = new Recomputed(leaves.Length, Members.Count, Others.Count);
                if (targets.Count == 0 || !output.requires_grad) return result;
                IList<torch.Tensor> grads = torch.autograd.grad([output], targets, [gradOutput], retain_graph: false, create_graph: false, allow_unused: true);
                int next = 0;
                foreach (int i in inputSlots) result.InputGrads[i] = Defined(grads[next++]);
                foreach (int i in memberSlots) result.MemberGrads[i] = Defined(grads[next++]);
                for (int i = 0; i < Others.Count; i++) result.OtherGrads[i] = Defined(grads[next++]);
                return result;
            }
            finally
            {
                foreach (torch.Tensor leaf in leaves) leaf.Dispose();
                torch.set_rng_state(randomNow);
            }
        }

        private static torch.Tensor? Defined(torch.Tensor grad)
        {
            // An unused target's gradient is an undefined tensor; reading its Handle would throw.
            if (!grad.IsInvalid) return grad;
            GC.SuppressFinalize(grad);
            return null;
        }

        public void Dispose()
        {
            Release();
            EndWithoutGradients()?.Dispose();
            foreach (torch.Tensor rows in _ownRows) rows.Dispose();
            _ownRows.Clear();
        }
    }

    /// <summary>The gradients one recomputation produced, by position.</summary>
    internal sealed class Recomputed(int inputs, int members, int others) : IDisposable
    {
        public torch.Tensor?[] InputGrads { get; } = new torch.Tensor?[inputs];

        public torch.Tensor?[] MemberGrads { get; } = new torch.Tensor?[members];

        public torch.Tensor?[] OtherGrads { get; } = new torch.Tensor?[others];

        /// <summary>The input gradients go to autograd, which then owns them.</summary>
        public torch.Tensor?[] TakeInputGrads()
        {
            torch.Tensor?[] taken = (torch.Tensor?[])InputGrads.Clone();
            Array.Clear(InputGrads);
            return taken;
        }

        public void Dispose()
        {
            foreach (torch.Tensor? grad in InputGrads.Concat(MemberGrads).Concat(OtherGrads)) grad?.Dispose();
        }
    }
}
